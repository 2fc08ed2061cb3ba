//! Why an SRP computation was refused.

/// Why an SRP computation was refused. No variant carries an input value,
/// so an error can be logged safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// The server's public value `B` is a multiple of `N` (including zero);
    /// answering would reveal nothing useful and signals a broken or hostile
    /// server.
    #[error("invalid SRP server public value (B mod N is zero)")]
    InvalidServerPublicKey,
    /// The client's public value `A` is a multiple of `N` (only possible on
    /// the server side of the exchange, or with a broken private value).
    #[error("invalid SRP client public value (A mod N is zero)")]
    InvalidClientPublicKey,
    /// The scrambling parameter `u = H(pad(A) | pad(B))` is zero.
    #[error("invalid SRP scrambling parameter (u is zero)")]
    InvalidScrambling,
    /// A fixed private value reduces to zero mod `N`.
    #[error("invalid SRP private value (zero mod N)")]
    InvalidPrivateKey,
    /// A field that must be a non-empty string of hex digits is not.
    #[error("{field} is not a non-empty hex string")]
    InvalidHex {
        /// Which input was malformed (for example `"SRP_B"`).
        field: &'static str,
    },
    /// A field that must be standard, padded base64 is not.
    #[error("{field} is not valid base64")]
    InvalidBase64 {
        /// Which input was malformed (for example `"SECRET_BLOCK"`).
        field: &'static str,
    },
    /// A user-pool id lacks the `region_` prefix.
    #[error("user pool id is not of the form <region>_<name>")]
    InvalidPoolId,
}
