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
 *
 * Then an enclave's own state: a rotation (PROTOCOL.md section 13) loaded
 * from its first config, votes that apply a seven-signer config and the
 * verifier swapped to it, and the replay guard (section 14) admitting a
 * signed compute request once and refusing its replay.
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

/* Section 13: the config in force (the four signers above, F = 1), and two
 * of them voting for seven signers with F = 2 (vector "rotate/f-plus-one-votes"
 * of shared/vectors/config/rotation.json). */
static const char FIRST_CONFIG[] =
    "{\"signers\":[\"l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=\",\"H4ApZW7KD7MryrIrXZ3I2nx29MVzu6a"
    "kaTPO56C4LXQ=\",\"SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=\",\"42v6Xi3e4T5v5sgwZ04Tw11tjIww7"
    "F1I/tluW7wNK4s=\"],\"masterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\",\"t\":2,\"f"
    "\":1}";

static const char VOTE_A[] =
    "{\"config\":\"eyJzaWduZXJzIjpbImwrU2liNVJCWWFYek5MZkFMT0V0R0hqVEw2YjZMNUpmc0NyY0tkMnp2dXc9IiwiSD"
    "RBcFpXN0tEN01yeXJJclhaM0kybngyOU1WenU2YWthVFBPNTZDNExYUT0iLCJTakw4RUM1VHprSlZUcWlQSGRCd043NXJWZ1"
    "B2Q2VkMERIZzZ2SGlzQTNJPSIsIjQydjZYaTNlNFQ1djVzZ3daMDRUdzExdGpJd3c3RjFJL3RsdVc3d05LNHM9IiwiRGpkcD"
    "JMTC8xZW5ESVpMczhwZysvR25XRkVPZDdVbTdweGtUTkFFN3hRYz0iLCJ3THREUEtJMGZGV2psSmRQN0wwVXJCejhWVms1RH"
    "dHd2lpekxTWVoxdGpnPSIsIlU2d2ovcWtKY3FwL3htektVdUJNcVBqZVpGNzNJeHFSK3ZIcENCV0NzaVk9Il0sIm1hc3Rlcl"
    "B1YmxpY0tleSI6ImRHUm9NaTF0WVhOMFpYSXRjSFZpYkdsakxXdGxlUzFpZVhSbGN3PT0iLCJ0IjozLCJmIjoyfQ==\",\"s"
    "ignature\":\"3kNMX02yZ/W2Th0/JLPyTwjuvs7G+mcIQjsuwXzyiQpxn+OkkAIYYN9ImVftkcqfKN3r1I0dNMOqRfaIMgc"
    "BDg==\"}";

static const char VOTE_B[] =
    "{\"config\":\"eyJzaWduZXJzIjpbImwrU2liNVJCWWFYek5MZkFMT0V0R0hqVEw2YjZMNUpmc0NyY0tkMnp2dXc9IiwiSD"
    "RBcFpXN0tEN01yeXJJclhaM0kybngyOU1WenU2YWthVFBPNTZDNExYUT0iLCJTakw4RUM1VHprSlZUcWlQSGRCd043NXJWZ1"
    "B2Q2VkMERIZzZ2SGlzQTNJPSIsIjQydjZYaTNlNFQ1djVzZ3daMDRUdzExdGpJd3c3RjFJL3RsdVc3d05LNHM9IiwiRGpkcD"
    "JMTC8xZW5ESVpMczhwZysvR25XRkVPZDdVbTdweGtUTkFFN3hRYz0iLCJ3THREUEtJMGZGV2psSmRQN0wwVXJCejhWVms1RH"
    "dHd2lpekxTWVoxdGpnPSIsIlU2d2ovcWtKY3FwL3htektVdUJNcVBqZVpGNzNJeHFSK3ZIcENCV0NzaVk9Il0sIm1hc3Rlcl"
    "B1YmxpY0tleSI6ImRHUm9NaTF0WVhOMFpYSXRjSFZpYkdsakxXdGxlUzFpZVhSbGN3PT0iLCJ0IjozLCJmIjoyfQ==\",\"s"
    "ignature\":\"w8sYJrffsljfnhNd/ae83mv/KL2POom5fQMGA7UcJ5MUFJTpLv5n6Y2iBLL4l51KprmkiUlkkKPCJ60alYN"
    "HDQ==\"}";

static const uint8_t ROTATED_HASH[32] = {
    0x23, 0x00, 0xdc, 0xad, 0x41, 0x2b, 0x69, 0x2e, 0x00, 0x2a, 0xcd, 0x02, 0xcf, 0x8a, 0x31, 0x97,
    0xf5, 0x82, 0xf1, 0xc1, 0x75, 0xcd, 0x87, 0xa8, 0x60, 0x7c, 0x3e, 0xd1, 0xe9, 0xc1, 0xce, 0x4d};

/* Section 12: a batch the seven signers signed, two of them faulty (vector
 * "batch/seven-two-faulty" of shared/vectors/compute/compute.json): entry 2
 * is the request to execute. */
static const char COMPUTE_BATCH[] =
    "[{\"requestID\":[160,161,162,163,164,165,166,167,168,169,170,171,172,173,174,175,176,177,178,179"
    ",180,181,182,183,184,185,186,187,188,189,190,191],\"applicationRequestID\":\"app-req-17\",\"publ"
    "icData\":\"YW5vdGhlciB3b3JrZmxvdw==\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ==\",\"Y3QtZGItdXJs\"],\""
    "CiphertextNames\":[\"API_KEY\",\"DB_URL\"],\"encryptedDecryptionKeyShares\":[[\"c2hhcmUtYTA=\","
    "\"c2hhcmUtYTE=\"],[\"c2hhcmUtYjA=\"]],\"enclaveEphemeralPublicKey\":\"ZXBoZW1lcmFsLXB1YmxpYy1rZX"
    "ktMzItYnl0ZXMuLi4=\",\"masterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\",\"appID\":"
    "\"confidential-workflows\",\"version\":\"0.0.7\",\"signature\":\"a13Ifcd4kWfJtXeeyGY5WofyStKB8eA"
    "w1rh0KLgvuNfjcx+mFVf7Lyr47x/ZmjHIA40LmASHLBz4KGUA48O+DQ==\"},{\"requestID\":[160,161,162,163,164"
    ",165,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188"
    ",189,190,191],\"applicationRequestID\":\"app-req-17\",\"publicData\":\"YW5vdGhlciB3b3JrZmxvdw=="
    "\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ==\",\"Y3QtZGItdXJs\"],\"CiphertextNames\":[\"API_KEY\",\"DB"
    "_URL\"],\"encryptedDecryptionKeyShares\":[[\"c2hhcmUtYTA=\",\"c2hhcmUtYTE=\"],[\"c2hhcmUtYjA=\"]"
    "],\"enclaveEphemeralPublicKey\":\"ZXBoZW1lcmFsLXB1YmxpYy1rZXktMzItYnl0ZXMuLi4=\",\"masterPublicK"
    "ey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\",\"appID\":\"confidential-workflows\",\"version"
    "\":\"0.0.7\",\"signature\":\"hSc1gYVRQ6xeqHnJ4z9hrkTNUviRcIu08Wy2ZJls0P1IfQ8aSyzHM6u8lNQqJHQC8GX"
    "oXIPNnf8sV1IqPI8AAw==\"},{\"requestID\":[160,161,162,163,164,165,166,167,168,169,170,171,172,173"
    ",174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191],\"applicationRequestID"
    "\":\"app-req-17\",\"publicData\":\"CioweDEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkwQUJDREVGMTIzNDU2NzgSB"
    "3dmLTAwMDE=\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ==\",\"Y3QtZGItdXJs\"],\"CiphertextNames\":[\"API"
    "_KEY\",\"DB_URL\"],\"encryptedDecryptionKeyShares\":[[\"c2hhcmUtYTA=\",\"c2hhcmUtYTE=\"],[\"c2hh"
    "cmUtYjA=\"]],\"enclaveEphemeralPublicKey\":\"ZXBoZW1lcmFsLXB1YmxpYy1rZXktMzItYnl0ZXMuLi4=\",\"ma"
    "sterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\",\"appID\":\"confidential-workflows"
    "\",\"version\":\"0.0.7\",\"signature\":\"zugfy+j9lMfTG0NVd+HPNswOLZtPTxDNSCZ3eH3jnXufUhLEU7hhQ0C"
    "ZbU0Z16AXaDMr5A69R3B0upOFsXBfCg==\"},{\"requestID\":[160,161,162,163,164,165,166,167,168,169,170"
    ",171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191],\"applicat"
    "ionRequestID\":\"app-req-17\",\"publicData\":\"CioweDEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkwQUJDREVGM"
    "TIzNDU2NzgSB3dmLTAwMDE=\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ==\",\"Y3QtZGItdXJs\"],\"CiphertextNa"
    "mes\":[\"API_KEY\",\"DB_URL\"],\"encryptedDecryptionKeyShares\":[[\"c2hhcmUtYTA=\",\"c2hhcmUtYTE"
    "=\"],[\"c2hhcmUtYjA=\"]],\"enclaveEphemeralPublicKey\":\"ZXBoZW1lcmFsLXB1YmxpYy1rZXktMzItYnl0ZXM"
    "uLi4=\",\"masterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\",\"appID\":\"confidentia"
    "l-workflows\",\"version\":\"0.0.7\",\"signature\":\"ihWuTCQVL1IgnHjhz1X8cZz4HztVu8+LfhQ9/29/lWXd"
    "9Sq0fRSsNZ6U2sByQS6OVjurMohIrJZ8jF7MGbFVAA==\"},{\"requestID\":[160,161,162,163,164,165,166,167,"
    "168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191]"
    ",\"applicationRequestID\":\"app-req-17\",\"publicData\":\"CioweDEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3OD"
    "kwQUJDREVGMTIzNDU2NzgSB3dmLTAwMDE=\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ==\",\"Y3QtZGItdXJs\"],\"C"
    "iphertextNames\":[\"API_KEY\",\"DB_URL\"],\"encryptedDecryptionKeyShares\":[[\"c2hhcmUtYTA=\",\""
    "c2hhcmUtYTE=\"],[\"c2hhcmUtYjA=\"]],\"enclaveEphemeralPublicKey\":\"ZXBoZW1lcmFsLXB1YmxpYy1rZXkt"
    "MzItYnl0ZXMuLi4=\",\"masterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\",\"appID\":\""
    "confidential-workflows\",\"version\":\"0.0.7\",\"signature\":\"QLqUkcML46q3w1oJbXoPOiKj+biSIzW+N"
    "LgXFJCaAUBdyQ0tV7YR2g7RexCnUS7CFK+Ze5/R0Dj2kBtCsnBfDw==\"},{\"requestID\":[160,161,162,163,164,1"
    "65,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,1"
    "89,190,191],\"applicationRequestID\":\"app-req-17\",\"publicData\":\"CioweDEyMzQ1Njc4OTBhYmNkZWY"
    "xMjM0NTY3ODkwQUJDREVGMTIzNDU2NzgSB3dmLTAwMDE=\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ==\",\"Y3QtZGIt"
    "dXJs\"],\"CiphertextNames\":[\"API_KEY\",\"DB_URL\"],\"encryptedDecryptionKeyShares\":[[\"c2hhcm"
    "UtYTA=\",\"c2hhcmUtYTE=\"],[\"c2hhcmUtYjA=\"]],\"enclaveEphemeralPublicKey\":\"ZXBoZW1lcmFsLXB1Y"
    "mxpYy1rZXktMzItYnl0ZXMuLi4=\",\"masterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==\","
    "\"appID\":\"confidential-workflows\",\"version\":\"0.0.7\",\"signature\":\"eCbIU8cXOny5wxMamiabi"
    "AH93omd+KtPBKVtuK4Aj/nWP+mZg0r8MZPlpCPqRc9C+7VizXWNl+EHw6gylQz+CA==\"},{\"requestID\":[160,161,1"
    "62,163,164,165,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,1"
    "86,187,188,189,190,191],\"applicationRequestID\":\"app-req-17\",\"publicData\":\"CioweDEyMzQ1Njc"
    "4OTBhYmNkZWYxMjM0NTY3ODkwQUJDREVGMTIzNDU2NzgSB3dmLTAwMDE=\",\"ciphertexts\":[\"Y3QtYXBpLWtleQ=="
    "\",\"Y3QtZGItdXJs\"],\"CiphertextNames\":[\"API_KEY\",\"DB_URL\"],\"encryptedDecryptionKeyShares"
    "\":[[\"c2hhcmUtYTA=\",\"c2hhcmUtYTE=\"],[\"c2hhcmUtYjA=\"]],\"enclaveEphemeralPublicKey\":\"ZXBo"
    "ZW1lcmFsLXB1YmxpYy1rZXktMzItYnl0ZXMuLi4=\",\"masterPublicKey\":\"dGRoMi1tYXN0ZXItcHVibGljLWtleS1"
    "ieXRlcw==\",\"appID\":\"confidential-workflows\",\"version\":\"0.0.7\",\"signature\":\"HQHUjzbq4"
    "5d/NIebTI7I1DUU7YWuUOYqPCFuuaeFL19U/dZn0LQoZlKbuD+R9aeJZsd/qhAjEjlZr7aaxLmjCQ==\"}]";

static const uint8_t REQUEST_HASH[32] = {
    0x86, 0x7c, 0xbc, 0x7f, 0xb9, 0x96, 0x70, 0x26, 0x5e, 0xdf, 0x83, 0xf7, 0x3a, 0x87, 0x63, 0xc4,
    0x12, 0x78, 0x01, 0x1c, 0x80, 0x18, 0x08, 0x47, 0xe8, 0xed, 0xd3, 0xa9, 0x0a, 0xf1, 0x61, 0x69};

#define REQUEST_INDEX 2

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

    /* 6. An enclave's own state: configure from the config the host sends
     *    (section 13), verify with a verifier loaded from it, take votes and
     *    swap the verifier when one applies, then run a signed compute
     *    request once (section 14) and refuse its replay. The rotation, the
     *    room a vote is read in and the guard's slots are static storage:
     *    nothing is allocated. */
    static RvRotation rotation;   /* zeroed; RV_ROTATION_SIZE bytes of state */
    static RvVoteWork vote_work;  /* scratch: its contents never matter */
    static RvVoteOutcome vote;    /* 2 KiB: it carries the applying keys */
    static RvVerifier enclave;
    RvRotationInfo info;
    uint64_t now = 1700000000; /* seconds, from a clock the enclave trusts */
    check(rv_rotation_init(&rotation, (const uint8_t *)FIRST_CONFIG, sizeof FIRST_CONFIG - 1,
                           RV_DEFAULT_VOTE_LIFETIME) == RV_STATUS_OK,
          "first config loaded into the rotation");
    check(rv_verifier_from_rotation(&enclave, &rotation, 0) == RV_STATUS_OK &&
              rv_verifier_signer_count(&enclave) == 4,
          "verifier loaded from the config in force: 4 signers");
    s = rv_verify(&enclave, RV_METHOD_SECRETS_GET, (const uint8_t *)PARAMS, params_len,
                  (const uint8_t *)BODY, body_len, &out);
    check(s == RV_STATUS_OK && out.accepted, "it accepts the honest bundle");

    s = rv_rotation_vote(&rotation, &vote_work, (const uint8_t *)VOTE_A, sizeof VOTE_A - 1, now,
                         &vote);
    printf("vote A: %s, %s, %u of %u live votes\n", rv_status_name(s), rv_vote_name(vote.vote),
           vote.collected, vote.required);
    check(s == RV_STATUS_OK && vote.vote == RV_VOTE_COLLECTED && vote.collected == 1 &&
              vote.required == 2,
          "first vote recorded: 1 of F+1 = 2");
    s = rv_rotation_vote(&rotation, &vote_work, (const uint8_t *)VOTE_B, sizeof VOTE_B - 1,
                         now + 30, &vote);
    printf("vote B: %s, %s by %u signers, user data %02x%02x%02x%02x...\n", rv_status_name(s),
           rv_vote_name(vote.vote), vote.signer_count, vote.user_data[0], vote.user_data[1],
           vote.user_data[2], vote.user_data[3]);
    check(s == RV_STATUS_OK && vote.vote == RV_VOTE_APPLIED &&
              memcmp(vote.hash, ROTATED_HASH, 32) == 0 && vote.signer_count == 2 &&
              memcmp(vote.signers[0], SIGNERS[0], RV_KEY_LEN) == 0,
          "second vote applies the seven-signer config");
    if (vote.vote == RV_VOTE_APPLIED) /* swap: verify with the new set from now on */
        check(rv_verifier_from_rotation(&enclave, &rotation, 0) == RV_STATUS_OK,
              "verifier swapped to the config now in force");
    check(rv_rotation_info(&rotation, &info) == RV_STATUS_OK && info.signer_count == 7 &&
              info.f == 2 && info.retired_count == 1 && rv_verifier_signer_count(&enclave) == 7,
          "seven signers, F = 2, the first config retired");
    s = rv_rotation_vote(&rotation, &vote_work, (const uint8_t *)VOTE_A, sizeof VOTE_A - 1,
                         now + 60, &vote);
    check(s == RV_STATUS_OK && vote.vote == RV_VOTE_ALREADY_CURRENT,
          "the host replays vote A: already current, nothing recorded");
    s = rv_rotation_vote(&rotation, &vote_work, (const uint8_t *)VOTE_A, 40, now + 60, &vote);
    check(s == RV_STATUS_MALFORMED && vote.has_offset && !vote.offset_in_config,
          "a vote cut short: malformed, with an offset");

    static RvReplaySlot slots[64]; /* 64 x RV_REPLAY_SLOT_SIZE bytes */
    static RvReplayGuard replay;
    check(rv_replay_init(&replay, slots, 64, 32, RV_DEFAULT_REPLAY_LIFETIME) == RV_STATUS_OK,
          "replay guard over 64 slots, 32 live entries");
    size_t batch_len = sizeof COMPUTE_BATCH - 1;
    s = rv_replay_begin(&replay, &enclave, (const uint8_t *)COMPUTE_BATCH, batch_len, now + 90,
                        &out);
    show("begin", &out);
    check(s == RV_STATUS_OK && out.index == REQUEST_INDEX &&
              memcmp(out.hash, REQUEST_HASH, 32) == 0,
          "verified by the new set and begun: execute entry 2");
    uint8_t running[32]; /* all the enclave keeps of the execution */
    memcpy(running, out.hash, sizeof running);
    /* ... decrypt and execute entry out.index of the batch ... */
    check(rv_replay_finish(&replay, running, now + 95) == RV_STATUS_OK, "finished: recorded");
    s = rv_replay_begin(&replay, &enclave, (const uint8_t *)COMPUTE_BATCH, batch_len, now + 120,
                        &out);
    printf("replayed batch: %s\n", rv_status_name(s));
    check(s == RV_STATUS_EXECUTED && out.accepted,
          "the host's replay verifies, and is refused: executed");
    check(rv_replay_abandon(&replay, running, now + 121) == RV_STATUS_NOT_STARTED,
          "nothing in progress to abandon");

    printf("%s\n", failures == 0 ? "C example: all checks passed" : "C example: FAILED");
    return failures == 0 ? 0 : 1;
}
