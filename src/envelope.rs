//! The gateway's body (PROTOCOL.md §6): a bundle of node responses, or one
//! response (a node's own, or the earlier merged envelope).
//!
//! Nothing is copied: the reader records where each field's value starts and
//! the verifier reads it from there. Responses are visited one at a time, so
//! memory does not grow with their number.

use crate::error::{Expected, Malformed};
use crate::json::Lexer;
use crate::object::Object;
use crate::text::Text;

type Result<T> = core::result::Result<T, Malformed>;

/// Where the fields of one response stand in the body.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ResponseFields {
    /// Start of the `result` value, unless absent or `null`.
    pub result_at: Option<usize>,
    /// Start of the `signature` value, if present.
    pub signature_at: Option<usize>,
    /// Start of the `signatures` value, if present.
    pub signatures_at: Option<usize>,
}

/// What the body is.
pub(crate) enum Shape {
    /// `{"responses": [...]}`; `None` when the array is absent or `null`.
    Bundle(Option<usize>),
    /// One response (node response or merged envelope).
    Single(ResponseFields),
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
    let mut fields = ResponseFields::default();
    while let Some(field) = obj.next(&mut lx)? {
        let at = value_at(&mut lx, depth)?;
        match field.index {
            0 => responses = Some(at),
            1 => {
                result_key = Some(field.offset);
                fields.result_at = at;
            }
            2 => fields.signature_at = at,
            _ => fields.signatures_at = at,
        }
    }
    lx.end()?;
    match (responses, result_key) {
        (Some(_), Some(offset)) => Err(Malformed {
            offset,
            expected: Expected::BundleOrResponse,
        }),
        (Some(at), None) => Ok(Shape::Bundle(at)),
        (None, _) => Ok(Shape::Single(fields)),
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

    /// The next response's fields; `null` elements read as empty responses.
    pub fn next_response(&mut self) -> Result<Option<ResponseFields>> {
        if self.done || !self.lx.next_element(&mut self.first)? {
            self.done = true;
            return Ok(None);
        }
        read_response(&mut self.lx, RESPONSE_DEPTH).map(Some)
    }
}

/// One response object (or `null`) at the cursor.
fn read_response(lx: &mut Lexer<'_>, depth: usize) -> Result<ResponseFields> {
    let mut fields = ResponseFields::default();
    let Some(mut obj) = Object::open_or_null(lx, RESPONSE_KEYS, depth)? else {
        return Ok(fields);
    };
    while let Some(field) = obj.next(lx)? {
        let at = value_at(lx, obj.value_depth())?;
        match field.index {
            0 => fields.result_at = at,
            1 => fields.signature_at = at,
            _ => fields.signatures_at = at,
        }
    }
    Ok(fields)
}

/// One candidate signature as it stands in the body.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Candidate<'a> {
    /// The `signer` label (base64 text), if not absent or `null`.
    pub signer: Option<Text<'a>>,
    /// The `signature` (base64 text), if not absent or `null`.
    pub signature: Option<Text<'a>>,
}

/// Reads a signature object (or `null`) at the cursor.
fn read_candidate<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<Candidate<'a>> {
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

/// Calls `each` for every candidate of a response: its `signature`, then
/// every element of `signatures`. Shape errors stop the walk.
pub(crate) fn for_each_candidate<'a>(
    body: &'a [u8],
    fields: &ResponseFields,
    depth: usize,
    mut each: impl FnMut(Candidate<'a>),
) -> Result<()> {
    if let Some(at) = fields.signature_at {
        let mut lx = Lexer::at(body, at);
        each(read_candidate(&mut lx, depth + 1)?);
    }
    if let Some(at) = fields.signatures_at {
        let mut lx = Lexer::at(body, at);
        lx.begin_array(Expected::ArrayOrNull)?;
        let mut first = true;
        while lx.next_element(&mut first)? {
            each(read_candidate(&mut lx, depth + 2)?);
        }
    }
    Ok(())
}
