//! The gateway's body (PROTOCOL.md §6): a bundle of node responses, or one
//! response (a node's own, or the earlier merged envelope).
//!
//! Nothing is copied: the reader records where each field's value starts and
//! the verifier reads it from there. Responses are visited one at a time, so
//! memory does not grow with their number.

use crate::leaf::{Expected, Malformed};
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

type Result<T> = core::result::Result<T, Malformed>;

/// What the body is.
pub(crate) enum Shape {
    /// `{"responses": [...]}`; `None` when the array is absent or `null`.
    Bundle(Option<usize>),
    /// One response (node response or merged envelope), the whole body.
    Single,
}

/// Depth of a response object inside a bundle: body → array → response.
pub(crate) const RESPONSE_DEPTH: usize = 2;

/// Position of the value at the cursor, or `None` if it is `null`
/// (which is consumed). A non-null value is validated and skipped.
fn value_at(lx: &mut Lexer<'_>, depth: usize) -> Result<Option<usize>> {
    if lx.null()? {
        return Ok(None);
    }
    lx.peek();
    let at = lx.pos();
    lx.skip_value(depth)?;
    Ok(Some(at))
}

/// Keys of a top-level body: a bundle's, then a response's.
const BODY_KEYS: &[&str] = &["responses", "result", "signature", "signatures"];
/// Keys of one response (node response or merged envelope).
const RESPONSE_KEYS: &[&str] = &["result", "signature", "signatures"];
/// Keys of one candidate signature.
const CANDIDATE_KEYS: &[&str] = &["signer", "signature"];

/// Reads the top-level object strictly, and checks that nothing but
/// whitespace follows it: on success the whole body is valid JSON.
pub(crate) fn read_shape(body: &[u8]) -> Result<Shape> {
    let mut lx = Lexer::new(body);
    let mut obj = Object::open(&mut lx, BODY_KEYS, 0, Expected::Object)?;
    let depth = obj.value_depth();
    let mut responses: Option<Option<usize>> = None;
    let mut result_key: Option<usize> = None;
    while let Some(field) = obj.next(&mut lx)? {
        let at = value_at(&mut lx, depth)?;
        match field.index {
            0 => responses = Some(at),
            1 => result_key = Some(field.offset),
            _ => {}
        }
    }
    lx.end()?;
    match (responses, result_key) {
        (Some(_), Some(offset)) => Err(Malformed {
            offset,
            expected: Expected::BundleOrResponse,
        }),
        (Some(at), None) => Ok(Shape::Bundle(at)),
        (None, _) => Ok(Shape::Single),
    }
}

/// Walks the `responses` array one element at a time.
pub(crate) struct Responses<'a> {
    lx: Lexer<'a>,
    first: bool,
    done: bool,
}

impl<'a> Responses<'a> {
    pub fn new(body: &'a [u8], at: Option<usize>) -> Result<Self> {
        let mut lx = Lexer::at(body, at.unwrap_or(body.len()));
        if at.is_some() {
            lx.begin_array(Expected::ArrayOrNull)?;
        }
        Ok(Responses {
            lx,
            first: true,
            done: at.is_none(),
        })
    }

    /// The lexer at the next response (for [`read_response`], which must
    /// consume it); `None` after the last.
    pub fn next_response(&mut self) -> Result<Option<&mut Lexer<'a>>> {
        if self.done || !self.lx.next_element(&mut self.first)? {
            self.done = true;
            return Ok(None);
        }
        Ok(Some(&mut self.lx))
    }
}

/// One candidate signature as it stands in the body.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Candidate<'a> {
    /// The `signer` label (base64 text), if not absent or `null`.
    pub signer: Option<Text<'a>>,
    /// The `signature` (base64 text), if not absent or `null`.
    pub signature: Option<Text<'a>>,
}

/// Reads a signature object (or `null`) at the cursor: the Go-layout
/// shortcut when it applies, else the general reader.
fn read_candidate<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<Candidate<'a>> {
    match go_candidate(lx) {
        Some(c) => Ok(c),
        None => read_candidate_general(lx, depth),
    }
}

/// The plain path: a signature object (or `null`) read with the strict
/// object reader, whatever its layout.
fn read_candidate_general<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<Candidate<'a>> {
    let mut c = Candidate::default();
    let Some(mut obj) = Object::open_or_null(lx, CANDIDATE_KEYS, depth)? else {
        return Ok(c);
    };
    while let Some(field) = obj.next(lx)? {
        let text = lx.string_or_null()?.map(|s| s.text);
        match field.index {
            0 => c.signer = text,
            _ => c.signature = text,
        }
    }
    Ok(c)
}

/// A validated signature object exactly as Go writes it,
/// `{"signer":"…","signature":"…"}` with no whitespace and no escapes,
/// read without the general object reader (which reads it the same way);
/// `None`, and the cursor unmoved, for anything else.
fn go_candidate<'a>(lx: &mut Lexer<'a>) -> Option<Candidate<'a>> {
    let mut fast = lx.clone();
    fast.peek();
    let signer = fast.plain_string_after(b"{\"signer\":\"")?;
    let signature = fast.plain_string_after(b",\"signature\":\"")?;
    if !fast.eat_exact(b'}') {
        return None;
    }
    *lx = fast;
    Some(Candidate {
        signer: Some(Text::from_json(signer, false)),
        signature: Some(Text::from_json(signature, false)),
    })
}

/// Elements of `signatures` kept while the response is walked; more are
/// read again from the body when the candidates are taken. An honest
/// node's response lists one.
const LISTED: usize = 1;

/// One response, read in a single walk of its object: the caller reads
/// the result where it stands (in its own frame: no reader nested in
/// this one), and the candidates are read on the way, not found first and
/// read again.
///
/// Shape errors come out in the order a reader taking the fields one after
/// the other would meet them: the response's own keys, then its result,
/// then its candidates (`signature`, then `signatures` in order), each
/// candidate after the ones before it were handed over.
pub(crate) struct Response<'a> {
    /// Start of the `result` value, unless absent or `null`.
    pub result_at: Option<usize>,
    body: &'a [u8],
    /// The object being walked (`None` once done, or for `null`).
    obj: Option<Object>,
    /// The `signature` candidate, if the key is present.
    signature: Option<Result<Candidate<'a>>>,
    listed: [Candidate<'a>; LISTED],
    listed_len: usize,
    /// After the kept elements of `signatures`: where to go on reading
    /// (inside the array, after an element), nothing, or a shape error.
    rest: Result<Option<usize>>,
}

impl<'a> Response<'a> {
    /// A response not yet opened, over the document of `lx`.
    pub fn new(lx: &Lexer<'a>) -> Self {
        Response {
            result_at: None,
            body: lx.buf(),
            obj: None,
            signature: None,
            listed: [Candidate::default(); LISTED],
            listed_len: 0,
            rest: Ok(None),
        }
    }

    /// Opens the response (an object or `null`) at the cursor of `lx`, a
    /// lexer over a validated document, at `depth`. (Not a constructor
    /// returning a `Result`: the response is built in place, once.)
    pub fn open(&mut self, lx: &mut Lexer<'a>, depth: usize) -> Result<()> {
        self.obj = Object::open_or_null(lx, RESPONSE_KEYS, depth)?;
        Ok(())
    }

    /// Walks on to the `result` value: `Some(start)` with `lx` there (the
    /// caller reads it, or calls [`Response::step_over`]), `None` at the
    /// end of the object. Errors of the response's own keys return at
    /// once; the candidates' wait for [`Response::for_each_candidate`].
    pub fn next_result(&mut self, lx: &mut Lexer<'a>) -> Result<Option<usize>> {
        let Some(obj) = self.obj.as_mut() else {
            return Ok(None);
        };
        let value_depth = obj.value_depth();
        while let Some(field) = obj.next(lx)? {
            if lx.null()? {
                continue;
            }
            lx.peek();
            let at = lx.pos();
            let failed = match field.index {
                0 => {
                    self.result_at = Some(at);
                    return Ok(Some(at));
                }
                1 => {
                    let c = read_candidate(lx, value_depth);
                    let failed = c.is_err();
                    self.signature = Some(c);
                    failed
                }
                _ => {
                    let (n, rest) = read_listed(lx, value_depth, &mut self.listed);
                    self.listed_len = n;
                    self.rest = rest;
                    self.rest.is_err()
                }
            };
            if failed {
                step_over(lx, at, value_depth)?;
            }
        }
        self.obj = None;
        Ok(None)
    }

    /// Moves `lx` past the value at `at` (whose reading failed: the error
    /// waits for its turn).
    pub fn step_over(&self, lx: &mut Lexer<'a>, at: usize) -> Result<()> {
        let depth = self.obj.as_ref().map_or(0, Object::value_depth);
        step_over(lx, at, depth)
    }
}

/// Moves `lx` past the value at `at`, at `depth`.
fn step_over<'a>(lx: &mut Lexer<'a>, at: usize, depth: usize) -> Result<()> {
    *lx = Lexer::at(lx.buf(), at);
    lx.skip_value(depth)
}

/// The `signatures` array at the cursor: up to [`LISTED`] candidates into
/// `listed`, and where the rest starts (the array is consumed either way).
fn read_listed<'a>(
    lx: &mut Lexer<'a>,
    depth: usize,
    listed: &mut [Candidate<'a>; LISTED],
) -> (usize, Result<Option<usize>>) {
    let mut n = 0;
    if let Err(e) = lx.begin_array(Expected::ArrayOrNull) {
        return (0, Err(e));
    }
    let mut first = true;
    loop {
        let resume = lx.pos();
        match lx.next_element(&mut first) {
            Ok(true) => {}
            Ok(false) => return (n, Ok(None)),
            Err(e) => return (n, Err(e)),
        }
        let Some(slot) = listed.get_mut(n) else {
            // Full: skip the rest now, read it again when taken.
            let mut more = true;
            while more {
                if let Err(e) = lx.skip_value(depth.saturating_add(1)) {
                    return (n, Err(e));
                }
                more = match lx.next_element(&mut first) {
                    Ok(more) => more,
                    Err(e) => return (n, Err(e)),
                };
            }
            return (n, Ok(Some(resume)));
        };
        match read_candidate(lx, depth.saturating_add(1)) {
            Ok(c) => *slot = c,
            Err(e) => return (n, Err(e)),
        }
        n += 1;
    }
}

impl<'a> Response<'a> {
    /// Calls `each` for every candidate: its `signature`, then every
    /// element of `signatures`. A shape error stops the walk where a
    /// reader in that order would meet it. `depth` is the response's.
    pub fn for_each_candidate(
        &self,
        depth: usize,
        each: &mut dyn FnMut(Candidate<'a>),
    ) -> Result<()> {
        if let Some(c) = self.signature {
            each(c?);
        }
        for c in self.listed.iter().take(self.listed_len) {
            each(*c);
        }
        match self.rest {
            Err(e) => Err(e),
            Ok(None) => Ok(()),
            Ok(Some(resume)) => {
                let mut lx = Lexer::at(self.body, resume);
                let mut first = false;
                while lx.next_element(&mut first)? {
                    each(read_candidate(&mut lx, depth.saturating_add(2))?);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's layout and others: the shortcut reads what the general reader
    /// reads and stops at the same byte; anything else falls through.
    fn shortcut_agrees(doc: &str) {
        let bytes = doc.as_bytes();
        let mut general = Lexer::at(bytes, 0);
        let slow = read_candidate_general(&mut general, 0);
        let mut validated = Lexer::at(bytes, 0);
        let fast = read_candidate(&mut validated, 0);
        match (fast, slow) {
            (Ok(fast), Ok(slow)) => {
                assert_eq!(fast.signer, slow.signer, "{doc}");
                assert_eq!(fast.signature, slow.signature, "{doc}");
                assert_eq!(
                    fast.signer.map(|t| t.raw()),
                    slow.signer.map(|t| t.raw()),
                    "{doc}"
                );
                assert_eq!(validated.pos(), general.pos(), "{doc}");
            }
            (fast, slow) => assert_eq!(fast.is_err(), slow.is_err(), "{doc}"),
        }
    }

    #[test]
    fn go_layout_shortcut_reads_as_the_general_reader() {
        for doc in [
            r#"{"signer":"AAAA","signature":"BBBB"},"#,
            r#"  {"signer":"","signature":""}]"#,
            r#"{"signer":"A\u0041","signature":"B"}"#,
            r#"{"signer":"A","signature":"B\\"}"#,
            r#"{"signature":"B","signer":"A"}"#,
            r#"{"signer":"A","signature":"B","x":1}"#,
            r#"{"signer":"A", "signature":"B"}"#,
            r#"{"signer":null,"signature":"B"}"#,
            r#"{"signer":"A"}"#,
            r#"null"#,
        ] {
            assert!(Lexer::document(doc.trim_end_matches([',', ']']).as_bytes()).is_ok());
            shortcut_agrees(doc);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Signature objects in any layout (key order, spacing, escapes,
        /// `null`s, extra keys): the shortcut and the general reader agree
        /// on every valid one.
        #[test]
        fn go_layout_shortcut_agrees_on_any_layout(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(r#""signer":"QUJD""#),
                    proptest::strategy::Just(r#""signature":"ZGVm""#),
                    proptest::strategy::Just(r#""signer":null"#),
                    proptest::strategy::Just(r#""signature":"\u0041""#),
                    proptest::strategy::Just(r#""x":[1,{"y":2}]"#),
                    proptest::strategy::Just(r#""signer":"""#),
                ],
                0..4,
            ),
            space in proptest::prelude::any::<bool>(),
            after in proptest::prop_oneof![
                proptest::strategy::Just(","),
                proptest::strategy::Just("]"),
                proptest::strategy::Just(""),
            ],
        ) {
            let mut keys = std::collections::BTreeSet::new();
            let mut fields = std::vec::Vec::new();
            for p in parts {
                // A repeated key is malformed for both: keep the first.
                if keys.insert(p.split(':').next().unwrap_or_default()) {
                    fields.push(p);
                }
            }
            let sep = if space { ", " } else { "," };
            let doc = std::format!("{{{}}}{after}", fields.join(sep));
            shortcut_agrees(&doc);
        }
    }

    fn walk(doc: &str) -> Result<(Result<()>, std::vec::Vec<std::string::String>, Result<()>)> {
        let bytes = doc.as_bytes();
        let mut lx = Lexer::at(bytes, 0);
        let mut r = Response::new(&lx);
        r.open(&mut lx, 0)?;
        let mut result = Ok(());
        while let Some(at) = r.next_result(&mut lx)? {
            result = crate::message::result::read_capability(&mut lx, 1).map(drop);
            if result.is_err() {
                r.step_over(&mut lx, at)?;
            }
        }
        let mut seen = std::vec::Vec::new();
        let rest = r.for_each_candidate(0, &mut |c| {
            seen.push(std::format!("{}", c.signer.unwrap_or_default()))
        });
        Ok((result, seen, rest))
    }

    /// Errors come out in the order of a field-by-field reader: keys, then
    /// the result, then the candidates (`signature` first) in turn.
    #[test]
    fn shape_errors_keep_their_order() {
        let at = |offset, expected| Malformed { offset, expected };
        assert_eq!(
            walk(r#"{"result":{"payload":1},"result":{}}"#).map(drop),
            Err(at(24, Expected::UniqueKey("result")))
        );
        let (result, seen, rest) =
            walk(r#"{"signature":5,"result":{"payload":1}}"#).expect("keys are fine");
        assert_eq!(result, Err(at(35, Expected::StringOrNull)));
        assert!(seen.is_empty());
        assert_eq!(rest, Err(at(13, Expected::ObjectOrNull)));
        let doc = r#"{"signatures":[{"signer":"a"},{"signer":"b"},{"signer":"c"},7],"signature":{"signer":"s"}}"#;
        let (result, seen, rest) = walk(doc).expect("keys are fine");
        assert_eq!(result, Ok(()));
        assert_eq!(seen, ["s", "a", "b", "c"]);
        assert_eq!(
            rest,
            Err(at(doc.find('7').unwrap(), Expected::ObjectOrNull))
        );
        let (_, seen, rest) =
            walk(r#"{"signatures":[null,{"signer":"b"},{"signer":"c"}]}"#).expect("fine");
        assert_eq!(seen, ["", "b", "c"]);
        assert_eq!(rest, Ok(()));
    }
}
