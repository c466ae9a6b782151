//! The §2 rules and the borrowed lists, on hand-written parameters.

use super::bytes::ByteString;
use super::lists::{IDS_CAPACITY, SIGNERS_CAPACITY};
use super::validate::check_owner;
use super::*;
use crate::leaf::{Expected, Malformed};
use crate::read::text::Text;

const OWNER: &str = "0x1234567890abcdef1234567890ABCDEF12345678";

fn secrets_json(extra: &str) -> heapless::String<1024> {
    let mut s = heapless::String::new();
    let _ = core::fmt::write(
        &mut s,
        format_args!(
            "{{\"workflow_id\":\"wf\",\"owner\":\"{OWNER}\",\"execution_id\":\"e\",\
             \"secrets\":[{{\"key\":\"k\",\"namespace\":\"n\"}}],\
             \"enclave_public_key\":\"0a0B\"{extra}}}"
        ),
    );
    s
}

#[test]
fn reads_any_valid_json_spelling() {
    let doc = " {\"enclave_public_key\" : \"0a0B\", \"unknown\": {\"deep\": [1, {\"x\": null}]},\
               \"secrets\":[{\"namespace\":\"n\",\"key\":\"\\u006b\"}], \"execution_id\":\"e\",\
               \"owner\":\"0x1234567890abcdef1234567890ABCDEF12345678\", \"workflow_id\":\"w\\/f\"} ";
    let p = RequestParams::from_json(Method::SecretsGet, doc.as_bytes()).expect("valid");
    let RequestParams::Secrets(p) = p else {
        panic!("secrets")
    };
    assert_eq!(p.workflow_id, "w/f");
    assert_eq!(p.secrets().get(0), Some(SecretId::new("k", "n")));
    assert_eq!(p.secrets().len(), 1);
}

#[test]
fn parameters_are_small() {
    // The documented bound of `RequestParams`: 264 bytes on 64-bit
    // targets (136 on 32-bit ones), down from 4,048 (2,028) when the
    // identifiers and signer keys were held inline.
    let bound = if cfg!(target_pointer_width = "64") {
        320
    } else {
        160
    };
    assert!(core::mem::size_of::<RequestParams<'_>>() <= bound);
}

#[test]
fn lists_are_read_again_as_read_first() {
    let doc = "{\"workflow_id\":\"wf\",\"owner\":\"0x1234567890abcdef1234567890ABCDEF12345678\",\
               \"execution_id\":\"e\",\"secrets\" : [ {\"namespace\":\"n1\",\"key\":\"k\\u0031\",\"x\":[{}]} ,\
               {\"key\":\"k2\",\"namespace\":\"n2\"},{\"key\":\"k3\",\"namespace\":\"n1\"} ],\
               \"enclave_public_key\":\"0a\",\"enclave_config\":{\"signers\":[ \"AQI=\" ,\"AQ==\"],\
               \"master_public_key\":\"AA==\",\"t\":1,\"f\":1}}";
    let p = RequestParams::from_json(Method::SecretsGet, doc.as_bytes()).expect("valid");
    let RequestParams::Secrets(p) = p else {
        panic!("secrets")
    };
    let ids = p.secrets();
    let want = [
        SecretId::new("k1", "n1"),
        SecretId::new("k2", "n2"),
        SecretId::new("k3", "n1"),
    ];
    assert_eq!(ids.len(), 3);
    assert!(ids
        .iter()
        .zip(want.iter())
        .all(|(a, b)| a.key == b.key && a.namespace == b.namespace));
    assert_eq!(ids.iter().count(), 3);
    assert!(ids.get(3).is_none());
    // Random access by place gives the same identifiers.
    let mut n = 0;
    for (place, id) in ids.places().zip(ids.iter()) {
        assert_eq!(ids.at(place), Some(id));
        n += 1;
    }
    assert_eq!(n, 3);
    let signers = p.enclave_config.as_ref().expect("config").signers();
    assert_eq!(signers.len(), 2);
    let decoded: std::vec::Vec<std::vec::Vec<u8>> =
        signers.iter().map(|s| s.bytes().collect()).collect();
    assert_eq!(decoded, [std::vec![1u8, 2], std::vec![1]]);
    for place in signers.places() {
        assert!(signers.at(place).is_some());
    }
}

#[test]
fn capacity_is_counted_while_reading() {
    let ids = |n: usize| {
        let one = "{\"key\":\"k\",\"namespace\":\"n\"}";
        std::vec![one; n].join(",")
    };
    let doc = |n: usize| {
        std::format!(
            "{{\"workflow_id\":\"wf\",\"owner\":\"{OWNER}\",\"execution_id\":\"e\",\
             \"secrets\":[{}],\"enclave_public_key\":\"0a\"}}",
            ids(n)
        )
    };
    let full = doc(MAX_SECRET_IDS);
    let p = RequestParams::from_json(Method::SecretsGet, full.as_bytes());
    let Ok(RequestParams::Secrets(p)) = p else {
        panic!("64 identifiers are valid")
    };
    assert_eq!(p.secrets().iter().count(), MAX_SECRET_IDS);
    assert_eq!(
        RequestParams::from_json(Method::SecretsGet, doc(MAX_SECRET_IDS + 1).as_bytes()).err(),
        Some(IDS_CAPACITY)
    );
    let signers = std::vec!["\"AA==\""; MAX_CONFIG_SIGNERS + 1].join(",");
    let config = std::format!(
        ",\"enclave_config\":{{\"signers\":[{signers}],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}}"
    );
    assert_eq!(
        RequestParams::from_json(Method::SecretsGet, secrets_json(&config).as_bytes()).err(),
        Some(SIGNERS_CAPACITY)
    );
}

#[test]
fn each_rule_is_named() {
    let cases: &[(&str, ParamsError)] = &[
        (",\"workflow_id\":\"\"", ParamsError::Json(Malformed { offset: 0, expected: Expected::UniqueKey("workflow_id") })),
        (",\"enclave_config\":{\"signers\":[],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}",
         ParamsError::ConfigSignersEmpty(MethodKind::Secrets)),
        (",\"enclave_config\":{\"signers\":[\"AA==\",\"\"],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}",
         ParamsError::ConfigSignerEmpty { method: MethodKind::Secrets, index: 1 }),
        (",\"enclave_config\":{\"signers\":[\"AA==\"],\"master_public_key\":\"AA==\",\"t\":1,\"f\":0}",
         ParamsError::ConfigFaultBoundZero(MethodKind::Secrets)),
        (",\"enclave_config\":{\"signers\":[\"AA==\"],\"master_public_key\":null,\"t\":1,\"f\":1}",
         ParamsError::ConfigMasterKeyEmpty(MethodKind::Secrets)),
        (",\"enclave_config\":{\"signers\":[\"A\"],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}",
         ParamsError::NotBase64 { field: "enclave_config.signers" }),
    ];
    for (extra, want) in cases {
        let doc = secrets_json(extra);
        let got =
            RequestParams::from_json(Method::SecretsGet, doc.as_bytes()).expect_err("invalid");
        match (got, want) {
            (ParamsError::Json(g), ParamsError::Json(w)) => assert_eq!(g.expected, w.expected),
            (g, w) => assert_eq!(g, *w, "{extra}"),
        }
    }
    assert!(RequestParams::from_json(
        Method::SecretsGet,
        secrets_json(",\"enclave_config\":null").as_bytes()
    )
    .is_ok());
}

#[test]
fn owner_and_key_formats() {
    let m = MethodKind::Secrets;
    assert_eq!(check_owner(m, &Text::new(OWNER)), Ok(()));
    for bad in [
        "0X1234567890abcdef1234567890ABCDEF12345678",
        "1234567890abcdef1234567890ABCDEF1234567800",
        "0x1234567890abcdef1234567890ABCDEF1234567",
        "0x1234567890abcdef1234567890ABCDEF1234567g",
    ] {
        assert_eq!(
            check_owner(m, &Text::new(bad)),
            Err(ParamsError::OwnerFormat(m)),
            "{bad}"
        );
    }
    assert_eq!(
        check_owner(m, &Text::new("")),
        Err(ParamsError::Required {
            method: m,
            field: "owner"
        })
    );
}

#[test]
fn byte_strings_stream_without_a_length_limit() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for len in [0usize, 1, 47, 48, 49, 200, 1000] {
        let bytes: std::vec::Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let text = b64.encode(&bytes);
        let b = ByteString::Base64(Text::new(&text));
        assert_eq!(b.decoded_len(), Some(len));
        assert_eq!(b.bytes().collect::<std::vec::Vec<_>>(), bytes);
        assert_eq!(ByteString::Raw(&bytes).bytes().count(), len);
    }
}

#[test]
fn padding_only_at_the_very_end() {
    // 64 characters ending in "==" form a whole block, then more text.
    let early = std::format!("{}AA==AAAA", "A".repeat(60));
    assert_eq!(ByteString::Base64(Text::new(&early)).decoded_len(), None);
    for bad in ["A", "AA=", "A===", "AB=C", "@AAA", "AAAA AAAA"] {
        assert_eq!(
            ByteString::Base64(Text::new(bad)).decoded_len(),
            None,
            "{bad}"
        );
    }
    assert_eq!(ByteString::Base64(Text::new("AA==")).decoded_len(), Some(1));
}
