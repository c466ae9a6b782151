/*
 * relay-verifier from C: load the signer set, verify an honest bundle, a
 * forged one and a malformed one, print each outcome. Exits 0 only if the
 * honest bundle is accepted with the expected hash, signers and index and
 * both others are rejected for the expected reason. Run it from ffi/ with
 * ./example.sh (builds the static library, compiles this file, runs it).
 *
 * The data is the reference vector "bundle/exactly-f-plus-1" of
 * shared/vectors/verify.json: a 4-node DON with F = 1, a secrets request,
 * and a bundle in which two nodes signed the same result.
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

    printf("%s\n", failures == 0 ? "C example: all checks passed" : "C example: FAILED");
    return failures == 0 ? 0 : 1;
}
