//! `sign`: one relay node's response to a request, as a Go node writes it.

use clap::{Args, ValueEnum};
use relay_verifier::signing::{LogicalResult, NodeResponse, RelayNode, ResponseShape};
use relay_verifier::{Error, RequestParams};

use super::{refusal, write_output, Outcome, RequestFiles, Status};

/// Arguments of `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The node's 32-byte ed25519 seed, in hex (Go's `ed25519.NewKeyFromSeed`).
    #[arg(long, value_name = "HEX", value_parser = parse_seed)]
    pub seed: [u8; 32],
    /// The request and the logical result.
    #[command(flatten)]
    pub request: RequestFiles,
    /// Which signature fields the response carries.
    #[arg(long, value_enum, default_value_t = Shape::Current)]
    pub shape: Shape,
}

/// The response shapes, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shape {
    /// `signatures: [sig]` and `signature: sig`, as today's nodes write.
    Current,
    /// Only the deprecated `signatures` array, as older nodes write.
    ArrayOnly,
    /// Only the single `signature` field.
    SingleOnly,
}

impl From<Shape> for ResponseShape {
    fn from(shape: Shape) -> Self {
        match shape {
            Shape::Current => ResponseShape::Current,
            Shape::ArrayOnly => ResponseShape::ArrayOnly,
            Shape::SingleOnly => ResponseShape::SingleOnly,
        }
    }
}

/// Prints the node response, exactly as the node sends it, and a newline
/// (exit 0); or the library's refusal as `{"reason", "detail"}` (exit 1).
pub fn run(args: &SignArgs) -> Outcome {
    let (params_json, result_json) = args.request.read()?;
    let node = RelayNode::from_seed(args.seed);
    match respond(&node, args, &params_json, &result_json) {
        Ok(response) => {
            let mut text = response.to_json();
            text.push('\n');
            write_output(None, text.as_bytes())?;
            Ok(Status::Success)
        }
        Err(e) => refusal(&e),
    }
}

/// Parses the request and the result, then signs.
fn respond(
    node: &RelayNode,
    args: &SignArgs,
    params_json: &[u8],
    result_json: &[u8],
) -> Result<NodeResponse, Error> {
    let params = RequestParams::from_json(args.request.method, params_json)?;
    let result = LogicalResult::from_json(args.request.method, result_json)?;
    node.respond_as(&params, &result, args.shape.into())
}

/// Parses a 32-byte seed from hex (an optional `0x` prefix is allowed).
pub fn parse_seed(text: &str) -> Result<[u8; 32], String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let bytes = hex::decode(digits).map_err(|e| format!("not hex: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("a seed is 32 bytes, not {}", bytes.len()))
}
