//! The gateway's body (PROTOCOL.md §6): a bundle of node responses, or one
//! response (a node's own, or the earlier merged envelope).
//!
//! Nothing is copied: the reader records where each field's value starts and
//! the verifier reads it from there. Responses are visited one at a time, so
//! memory does not grow with their number.

use crate::error::{Expected, Malformed};
use crate::json::{Lexer, SeenKeys};
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
/// (which is consumed).
fn value_at(lx: &mut Lexer<'_>) -> Result<Option<usize>> {
    if lx.null()? {
        return Ok(None);
    }
    lx.peek();
    Ok(Some(lx.pos()))
}

/// Reads the top-level object strictly, and checks that nothing but
/// whitespace follows it: on success the whole body is valid JSON.
pub(crate) fn read_shape(body: &[u8]) -> Result<Shape> {
    let mut lx = Lexer::new(body);
    lx.begin_object(Expected::Object)?;
    let mut seen = SeenKeys::new();
    let mut responses: Option<Option<usize>> = None;
    let mut result_key: Option<usize> = None;
    let mut fields = ResponseFields::default();
    let mut first = true;
    while let Some(key) = lx.next_key(&mut first)? {
        let at = if key.text == "responses" {
            seen.mark(0, "responses", &key)?;
            let at = value_at(&mut lx)?;
            responses = Some(at);
            at
        } else if key.text == "result" {
            seen.mark(1, "result", &key)?;
            result_key = Some(key.offset);
            fields.result_at = value_at(&mut lx)?;
            fields.result_at
        } else if key.text == "signature" {
            seen.mark(2, "signature", &key)?;
            fields.signature_at = value_at(&mut lx)?;
            fields.signature_at
        } else if key.text == "signatures" {
            seen.mark(3, "signatures", &key)?;
            fields.signatures_at = value_at(&mut lx)?;
            fields.signatures_at
        } else {
            lx.peek();
            Some(lx.pos())
        };
        if at.is_some() {
            lx.skip_value(1)?;
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
    if lx.null()? {
        return Ok(fields);
    }
    lx.begin_object(Expected::ObjectOrNull)?;
    let mut seen = SeenKeys::new();
    let mut first = true;
    while let Some(key) = lx.next_key(&mut first)? {
        let at = if key.text == "result" {
            seen.mark(0, "result", &key)?;
            fields.result_at = value_at(lx)?;
            fields.result_at
        } else if key.text == "signature" {
            seen.mark(1, "signature", &key)?;
            fields.signature_at = value_at(lx)?;
            fields.signature_at
        } else if key.text == "signatures" {
            seen.mark(2, "signatures", &key)?;
            fields.signatures_at = value_at(lx)?;
            fields.signatures_at
        } else {
            lx.peek();
            Some(lx.pos())
        };
        if at.is_some() {
            lx.skip_value(depth + 1)?;
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
    if lx.null()? {
        return Ok(c);
    }
    lx.begin_object(Expected::ObjectOrNull)?;
    let mut seen = SeenKeys::new();
    let mut first = true;
    while let Some(key) = lx.next_key(&mut first)? {
        if key.text == "signer" {
            seen.mark(0, "signer", &key)?;
            c.signer = lx.string_or_null()?.map(|s| s.text);
        } else if key.text == "signature" {
            seen.mark(1, "signature", &key)?;
            c.signature = lx.string_or_null()?.map(|s| s.text);
        } else {
            lx.skip_value(depth + 1)?;
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
