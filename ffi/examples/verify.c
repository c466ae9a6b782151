/*
 * relay-verifier from C: load the signer set, verify an honest bundle, a
 * forged one and a malformed one, print each outcome, then hand out a
 * consensus report. Exits 0 only if the honest bundle is accepted with the
 * expected hash, signers and index, both others are rejected for the
 * expected reason, and the report is handed out as the vector says. Run it
 * from ffi/ with ./example.sh (builds the static library, compiles this
 * file, runs it).
 *
 * The data is the reference vector "bundle/exactly-f-plus-1" of
 * shared/vectors/verify.json: a 4-node DON with F = 1, a secrets request,
 * and a bundle in which two nodes signed the same result; and the vector
 * "report/subsets-of-ocr-signatures" of shared/vectors/report/verify.json
 * (same DON): four nodes answer a capability request with one consensus
 * report, each with a different subset of its OCR signatures.
 */
#include <stdio.h>
#include <string.h>

#include "relay_verifier.h"

/* The configured relay signers, ed25519 public keys. */
static const uint8_t SIGNERS[4][RV_KEY_LEN] = {
    {0x97, 0xe4, 0xa2, 0x6f, 0x94, 0x41, 0x61, 0xa5, 0xf3, 0x34, 0xb7, 0xc0, 0x2c, 0xe1, 0x2d, 0x18,
     0x78, 0xd3, 0x2f, 0xa6, 0xfa, 0x2f, 0x92, 0x5f, 0xb0, 0x2a, 0xdc, 0x29, 0xdd, 0xb3, 0xbe, 0xec},
    {0x1f, 0x80, 0x29, 0x65, 0x6e, 0xca, 0x0f, 0xb3, 0x2b, 0xca, 0xb2, 0x2b, 0x5d, 0x9d, 0xc8, 0xda,
     0x7c, 0x76, 0xf4, 0xc5, 0x73, 0xbb, 0xa6, 0xa4, 0x69, 0x33, 0xce, 0xe7, 0xa0, 0xb8, 0x2d, 0x74},
    {0x4a, 0x32, 0xfc, 0x10, 0x2e, 0x53, 0xce, 0x42, 0x55, 0x4e, 0xa8, 0x8f, 0x1d, 0xd0, 0x70, 0x37,
     0xbe, 0x6b, 0x56, 0x03, 0xef, 0x09, 0xe7, 0x74, 0x0c, 0x78, 0x3a, 0xbc, 0x78, 0xac, 0x03, 0x72},
    {0xe3, 0x6b, 0xfa, 0x5e, 0x2d, 0xde, 0xe1, 0x3e, 0x6f, 0xe6, 0xc8, 0x30, 0x67, 0x4e, 0x13, 0xc3,
     0x5d, 0x6d, 0x8c, 0x8c, 0x30, 0xec, 0x5d, 0x48, 0xfe, 0xd9, 0x6e, 0x5b, 0xbc, 0x0d, 0x2b, 0x8b},
};

static const char PARAMS[] =
    "{\"workflow_id\":\"wf-0001\",\"owner\":\"0x1234567890abcdef1234567890ABCDEF12345678\",\"executio"
    "n_id\":\"4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e\",\"secrets\":[{\"key\""
    ":\"API_KEY\",\"namespace\":\"main\"},{\"key\":\"DB_URL\",\"namespace\":\"main\"},{\"key\":\"TOKE"
    "N\",\"namespace\":\"ops\"}],\"enclave_public_key\":\"04a1b2c3d4e5f60718293a4b5c6d7e8f\",\"enclav"
    "e_config\":{\"signers\":[\"SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=\",\"l+Sib5RBYaXzNLfALOEt"
    "GHjTL6b6L5JfsCrcKd2zvuw=\",\"42v6Xi3e4T5v5sgwZ04Tw11tjIww7F1I/tluW7wNK4s=\",\"H4ApZW7KD7MryrIrXZ"
    "3I2nx29MVzu6akaTPO56C4LXQ=\"],\"master_public_key\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\""
    ",\"t\":2,\"f\":1}}";

static const char BODY[] =
    "{\"responses\":[{\"result\":{\"secrets\":[{\"id\":{\"key\":\"DB_URL\",\"namespace\":\"main\"},\""
    "ciphertext\":\"Y3QtZGI=\",\"encrypted_shares\":[\"czI=\",\"czE=\"]},{\"id\":{\"key\":\"API_KEY\""
    ",\"namespace\":\"main\"},\"ciphertext\":\"Y3QtYXBp\",\"encrypted_shares\":[\"czE=\"]}]},\"signat"
    "ures\":[{\"signer\":\"SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=\",\"signature\":\"FffRFkNhGMR"
    "lc+b5ra0E7r9PM0/uQGq7wVg5CgnAN9TEsLVhXP50XxitmrPkwdDdbDhltPYNsCiCrs9d55aQAA==\"}],\"signature\":"
    "{\"signer\":\"SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=\",\"signature\":\"FffRFkNhGMRlc+b5ra0"
    "E7r9PM0/uQGq7wVg5CgnAN9TEsLVhXP50XxitmrPkwdDdbDhltPYNsCiCrs9d55aQAA==\"}},{\"result\":{\"secrets"
    "\":[{\"id\":{\"key\":\"DB_URL\",\"namespace\":\"main\"},\"ciphertext\":\"Y3QtZGI=\",\"encrypted_"
    "shares\":[\"czI=\",\"czE=\"]},{\"id\":{\"key\":\"API_KEY\",\"namespace\":\"main\"},\"ciphertext\""
    ":\"Y3QtYXBp\",\"encrypted_shares\":[\"czE=\"]}]},\"signatures\":[{\"signer\":\"l+Sib5RBYaXzNLfAL"
    "OEtGHjTL6b6L5JfsCrcKd2zvuw=\",\"signature\":\"P+gl+JhQ1lbsANd0PxYNQNBsGESLLaewEKPeDCGjNmxzOEJl41"
    "0JPqwdO4vslF4s9D2C+KRz3mQ9358zip+cDA==\"}],\"signature\":{\"signer\":\"l+Sib5RBYaXzNLfALOEtGHjTL"
    "6b6L5JfsCrcKd2zvuw=\",\"signature\":\"P+gl+JhQ1lbsANd0PxYNQNBsGESLLaewEKPeDCGjNmxzOEJl410JPqwdO4"
    "vslF4s9D2C+KRz3mQ9358zip+cDA==\"}}]}";

/* What the vector says the verifier decides for BODY. */
static const uint8_t EXPECTED_HASH[32] = {
    0x39, 0xd8, 0xe1, 0x78, 0x8a, 0x86, 0x01, 0xb8, 0x1e, 0xe9, 0xfd, 0x62, 0x46, 0x6e, 0xe8, 0xf8, 0xba, 0x84, 0x28, 0x18, 0x15, 0x01, 0x20, 0xa1, 0x71, 0x9b, 0xe7, 0x39, 0x05, 0xd8, 0xfd, 0xf5};
#define EXPECTED_SIGNERS 2
#define EXPECTED_INDEX 0

/* The report vector: the capability request, the bundle, and the payload
 * PROTOCOL.md section 11 hands out for it (expect.handed_out.payload). */
static const char REPORT_PARAMS[] =
    "{\"workflow_id\":\"wf-0001\",\"owner\":\"0x1234567890abcdef1234567890ABCDEF12345678\",\"executio"
    "n_id\":\"4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e\",\"org_id\":\"org-7\""
    ",\"reference_id\":\"step-3\",\"capability_id\":\"consensus@1.0.0-alpha\",\"payload\":\"cmVxdWVzd"
    "CBib2R5\"}";

static const char REPORT_BODY[] =
    "{\"responses\":[{\"result\":{\"payload\":\"Cv4CCi50eXBlLmdvb2dsZWFwaXMuY29tL3Nkay52MWFscGhhLlJlc"
    "G9ydFJlc3BvbnNlEssCCiDAwcLDxMXGx8jJysvMzc7P0NHS09TV1tfY2drb3N3e3xCSIRoowMHCw8TFxsfIycrLzM3Oz9DR0"
    "tPU1dbX2Nna29zd3t8AAAAAAAAQkiInAXJlcG9ydDogcHJpY2U9NDIwMDAwMDAwMCBmZWVkPUVUSC9VU0QAKkMKQQABAgMEB"
    "QYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AKkUKQR8gISIjJCUmJ"
    "ygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fEAEqRQpBPj9AQUJDREVGR"
    "0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX4QAg==\"},\"signatures"
    "\":[{\"signer\":\"l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=\",\"signature\":\"/q5QZHZy6TWmtqJ"
    "dUH1kLdKDCcT9hjGvZ11QDMNfIgR6tVZOZbvpYV+c9YsZ4rxws/vJvW2v/c1K647rY8TlBQ==\"}],\"signature\":{\"s"
    "igner\":\"l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=\",\"signature\":\"/q5QZHZy6TWmtqJdUH1kLdK"
    "DCcT9hjGvZ11QDMNfIgR6tVZOZbvpYV+c9YsZ4rxws/vJvW2v/c1K647rY8TlBQ==\"}},{\"result\":{\"payload\":"
    "\"CoADCi50eXBlLmdvb2dsZWFwaXMuY29tL3Nkay52MWFscGhhLlJlcG9ydFJlc3BvbnNlEs0CCiDAwcLDxMXGx8jJysvMzc"
    "7P0NHS09TV1tfY2drb3N3e3xCSIRoowMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t8AAAAAAAAQkiInAXJlcG9ydD"
    "ogcHJpY2U9NDIwMDAwMDAwMCBmZWVkPUVUSC9VU0QAKkUKQR8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQk"
    "NERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fEAEqRQpBPj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYm"
    "NkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX4QAipFCkFdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgo"
    "OEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnRAD\"},\"signatures\":[{\"signer\":\"H4ApZW7KD7MryrIrXZ3I2nx2"
    "9MVzu6akaTPO56C4LXQ=\",\"signature\":\"Ub/slicBLOPzii+HroS9pV+i64H9atEcEbXidMKHZGzrdXvZoBewrQEM7"
    "m/CDNBMrzwmcM5WOpee9equF4gpCw==\"}],\"signature\":{\"signer\":\"H4ApZW7KD7MryrIrXZ3I2nx29MVzu6ak"
    "aTPO56C4LXQ=\",\"signature\":\"Ub/slicBLOPzii+HroS9pV+i64H9atEcEbXidMKHZGzrdXvZoBewrQEM7m/CDNBMr"
    "zwmcM5WOpee9equF4gpCw==\"}},{\"result\":{\"payload\":\"Cv4CCi50eXBlLmdvb2dsZWFwaXMuY29tL3Nkay52M"
    "WFscGhhLlJlcG9ydFJlc3BvbnNlEssCCiDAwcLDxMXGx8jJysvMzc7P0NHS09TV1tfY2drb3N3e3xCSIRoowMHCw8TFxsfIy"
    "crLzM3Oz9DR0tPU1dbX2Nna29zd3t8AAAAAAAAQkiInAXJlcG9ydDogcHJpY2U9NDIwMDAwMDAwMCBmZWVkPUVUSC9VU0QAK"
    "kUKQV1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydEAMqQ"
    "wpBAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0AqRQpBP"
    "j9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX4QAg==\"},"
    "\"signatures\":[{\"signer\":\"SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=\",\"signature\":\"CxH"
    "+ahclo6IgBtA5gsPStI74BYp1fGbAgcam2rHKdOJrZKuqMJikEWrSEm9AlngtgmuRGsHwgkemBXSStJNCBw==\"}],\"sign"
    "ature\":{\"signer\":\"SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=\",\"signature\":\"CxH+ahclo6I"
    "gBtA5gsPStI74BYp1fGbAgcam2rHKdOJrZKuqMJikEWrSEm9AlngtgmuRGsHwgkemBXSStJNCBw==\"}},{\"result\":{"
    "\"payload\":\"CsUDCi50eXBlLmdvb2dsZWFwaXMuY29tL3Nkay52MWFscGhhLlJlcG9ydFJlc3BvbnNlEpIDCiDAwcLDxM"
    "XGx8jJysvMzc7P0NHS09TV1tfY2drb3N3e3xCSIRoowMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t8AAAAAAAAQki"
    "InAXJlcG9ydDogcHJpY2U9NDIwMDAwMDAwMCBmZWVkPUVUSC9VU0QAKkMKQQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGh"
    "scHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AKkUKQR8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD"
    "0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fEAEqRQpBPj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF"
    "1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX4QAipFCkFdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH"
    "1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnRAD\"},\"signatures\":[{\"signer\":\"42v6Xi3e4T5v5sgw"
    "Z04Tw11tjIww7F1I/tluW7wNK4s=\",\"signature\":\"jMAAyES+G35XgB2P2YEVfspzARaCiPJ3TvG5N6z4wejDhti9l"
    "HSqVX+ds3+7827+IMPg+X8zJq/yYcyHZ6+XCw==\"}],\"signature\":{\"signer\":\"42v6Xi3e4T5v5sgwZ04Tw11t"
    "jIww7F1I/tluW7wNK4s=\",\"signature\":\"jMAAyES+G35XgB2P2YEVfspzARaCiPJ3TvG5N6z4wejDhti9lHSqVX+ds"
    "3+7827+IMPg+X8zJq/yYcyHZ6+XCw==\"}}]}";

static const char REPORT_PAYLOAD[] =
    "CsUDCi50eXBlLmdvb2dsZWFwaXMuY29tL3Nkay52MWFscGhhLlJlcG9ydFJlc3BvbnNlEpIDCiDAwcLDxMXGx8jJysvMzc7P"
    "0NHS09TV1tfY2drb3N3e3xCSIRoowMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t8AAAAAAAAQkiInAXJlcG9ydDog"
    "cHJpY2U9NDIwMDAwMDAwMCBmZWVkPUVUSC9VU0QAKkUKQT4/QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJj"
    "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+EAIqQwpBAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm"
    "JygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0AqRQpBHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRkdI"
    "SUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8QASpFCkFdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaH"
    "iImKi4yNjo+QkZKTlJWWl5iZmpucnRAD";

/* expect.handed_out.merged: signer_id and carriers, in order. */
static const uint32_t MERGED_IDS[] = {2, 0, 1, 3};
static const uint32_t MERGED_CARRIERS[] = {4, 3, 3, 3};
#define MERGED_COUNT 4

static int failures = 0;

static void check(int ok, const char *what) {
    printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) failures++;
}

static void show(const char *name, const RvOutcome *o) {
    printf("%s: %s", name, rv_status_name(o->status));
    if (o->accepted) {
        printf(", %u signers (mask 0x%llx), index %lld, hash ", o->signer_count,
               (unsigned long long)o->signer_mask, (long long)o->index);
        for (int i = 0; i < 32; i++) printf("%02x", o->hash[i]);
    }
    if (o->has_offset) printf(", at byte %llu", (unsigned long long)o->offset);
    printf("; %llu candidates, %llu verifications, %llu counted\n",
           (unsigned long long)o->stats.candidates, (unsigned long long)o->stats.verifications,
           (unsigned long long)o->stats.counted);
}

int main(void) {
    static RvVerifier verifier; /* static storage: zeroed, 2.3 KB */
    RvOutcome out;
    size_t body_len = sizeof BODY - 1, params_len = sizeof PARAMS - 1;

    check(rv_verify(&verifier, RV_METHOD_SECRETS_GET, (const uint8_t *)PARAMS, params_len,
                    (const uint8_t *)BODY, body_len, &out) == RV_STATUS_NOT_INITIALISED,
          "a verifier that was never loaded is refused");
    check(rv_verifier_init(&verifier, &SIGNERS[0][0], 4, 0, 0) == RV_STATUS_INVALID_CONFIG,
          "F = 0 is refused");
    check(rv_verifier_init(&verifier, &SIGNERS[0][0], 4, 1, 0) == RV_STATUS_OK, "4 signers, F = 1");
    check(rv_verifier_signer_count(&verifier) == 4, "4 signers loaded");

    /* 1. The honest bundle. */
    RvStatus s = rv_verify(&verifier, RV_METHOD_SECRETS_GET, (const uint8_t *)PARAMS, params_len,
                           (const uint8_t *)BODY, body_len, &out);
    show("honest", &out);
    check(s == RV_STATUS_OK && out.accepted, "honest bundle accepted");
    check(memcmp(out.hash, EXPECTED_HASH, 32) == 0, "winning hash as expected");
    check(out.signer_count == EXPECTED_SIGNERS && out.index == EXPECTED_INDEX,
          "signer count and index as expected");
    int mask_bits = 0;
    for (size_t i = 0; i < rv_verifier_signer_count(&verifier); i++) {
        uint8_t key[RV_KEY_LEN];
        if ((out.signer_mask >> i & 1) && rv_verifier_signer(&verifier, i, key) == RV_STATUS_OK)
            mask_bits++;
    }
    check(mask_bits == EXPECTED_SIGNERS, "signer mask names the counted keys");

    /* 2. Forged: the gateway rewrites a ciphertext the nodes signed. */
    static char forged[sizeof BODY];
    memcpy(forged, BODY, sizeof BODY);
    int rewritten = 0;
    for (char *p = forged; (p = strstr(p, "Y3QtYXBp")) != NULL; p++, rewritten++) p[7] = 'q';
    s = rv_verify(&verifier, RV_METHOD_SECRETS_GET, (const uint8_t *)PARAMS, params_len,
                  (const uint8_t *)forged, body_len, &out);
    show("forged", &out);
    check(rewritten > 0 && s == RV_STATUS_NO_QUORUM && !out.accepted,
          "forged bundle rejected: no quorum");
    check(out.stats.verifications > 0 && out.stats.counted == 0,
          "its signatures were checked and none counted");

    /* 3. Malformed: the body cut short by one byte. */
    s = rv_verify(&verifier, RV_METHOD_SECRETS_GET, (const uint8_t *)PARAMS, params_len,
                  (const uint8_t *)BODY, body_len - 1, &out);
    show("malformed", &out);
    check(s == RV_STATUS_MALFORMED && !out.accepted && out.has_offset && out.offset <= body_len,
          "truncated bundle rejected: malformed, with an offset");

    /* 4. The caller's mistakes come back as statuses, not crashes. */
    check(rv_verify(&verifier, RV_METHOD_SECRETS_GET, NULL, 5, (const uint8_t *)BODY, body_len,
                    &out) == RV_STATUS_INVALID_ARGUMENT,
          "null parameters with a length: invalid argument");
    check(rv_verify(&verifier, 7, (const uint8_t *)PARAMS, params_len, (const uint8_t *)BODY,
                    body_len, &out) == RV_STATUS_INVALID_ARGUMENT,
          "unknown method: invalid argument");
    check(rv_verify(&verifier, RV_METHOD_SECRETS_GET, (const uint8_t *)PARAMS, params_len,
                    (const uint8_t *)BODY, body_len, NULL) == RV_STATUS_INVALID_ARGUMENT,
          "no outcome storage: invalid argument");

    /* 5. A consensus report, handed out as PROTOCOL.md section 11 says: the
     *    payload rebuilt from the report the quorum attested and every counted
     *    node's OCR signatures, never one node's bytes as sent. A first call
     *    without buffers says how much work space the hand-out needs. */
    size_t report_params_len = sizeof REPORT_PARAMS - 1, report_body_len = sizeof REPORT_BODY - 1;
    RvReportOut report = {0};
    s = rv_verify_report(&verifier, (const uint8_t *)REPORT_PARAMS, report_params_len,
                         (const uint8_t *)REPORT_BODY, report_body_len, NULL, 0, &report, &out);
    printf("report, no buffers: %s, work needed %zu\n", rv_status_name(s), report.work_needed);
    check(s == RV_STATUS_BUFFER_TOO_SMALL && out.accepted && report.is_report &&
              report.work_needed > 0,
          "no buffers: accepted, buffer too small, work size known");

    static uint8_t work[16384];
    static uint8_t payload[4096];
    static RvMergedSignature merged[16];
    report.payload = payload;
    report.payload_cap = sizeof payload;
    report.merged = merged;
    report.merged_cap = sizeof merged / sizeof merged[0];
    s = rv_verify_report(&verifier, (const uint8_t *)REPORT_PARAMS, report_params_len,
                         (const uint8_t *)REPORT_BODY, report_body_len, work, sizeof work, &report,
                         &out);
    show("report", &out);
    printf("  seq_nr %llu, %zu-byte raw report, %zu counted responses, payload %zu bytes: %.40s...\n",
           (unsigned long long)report.seq_nr, report.raw_report_len, report.counted_count,
           report.payload_len, (const char *)payload);
    check(s == RV_STATUS_OK && report.is_report, "report handed out");
    check(report.payload_len == sizeof REPORT_PAYLOAD - 1 &&
              memcmp(payload, REPORT_PAYLOAD, report.payload_len) == 0,
          "payload as the vector says, byte for byte");
    int merged_ok = report.merged_count == MERGED_COUNT;
    for (size_t i = 0; merged_ok && i < report.merged_count; i++) {
        printf("  signer_id %u, %zu-byte signature, carried by %u of %zu\n", merged[i].signer_id,
               merged[i].signature_len, merged[i].carriers, report.counted_count);
        merged_ok = merged[i].signer_id == MERGED_IDS[i] &&
                    merged[i].carriers == MERGED_CARRIERS[i] && merged[i].signature_len == 65 &&
                    merged[i].signature >= work && merged[i].signature < work + sizeof work;
    }
    check(merged_ok, "merged signatures as the vector says, most carried first");

    /* The same bundle without the payload room: the sizes come back. */
    report.payload_cap = 8;
    s = rv_verify_report(&verifier, (const uint8_t *)REPORT_PARAMS, report_params_len,
                         (const uint8_t *)REPORT_BODY, report_body_len, work, sizeof work, &report,
                         &out);
    check(s == RV_STATUS_BUFFER_TOO_SMALL && report.payload_len == sizeof REPORT_PAYLOAD - 1 &&
              report.merged_count == MERGED_COUNT,
          "a payload buffer too small: the length it needs");

    /* A capability result that is no report is not handed out here. */
    s = rv_verify_report(&verifier, (const uint8_t *)PARAMS, params_len, (const uint8_t *)BODY,
                         body_len, work, sizeof work, &report, &out);
    check(s == RV_STATUS_INVALID_PARAMS && !report.is_report,
          "secrets parameters are not a capability request");

    printf("%s\n", failures == 0 ? "C example: all checks passed" : "C example: FAILED");
    return failures == 0 ? 0 : 1;
}
