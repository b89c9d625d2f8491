//! TLS client certificates: accepted from anyone, identified by fingerprint.
//!
//! IRC networks do not run a CA for their users: a client makes its own
//! certificate and registers its fingerprint with NickServ (`CERT ADD`),
//! then logs in with SASL EXTERNAL. So the verifier here asks for a client
//! certificate but does not require one, and accepts any certificate that
//! parses, whoever issued it. What it still checks is the handshake
//! signature: the client must hold the private key of the certificate it
//! presents, or a fingerprint would prove nothing.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use sha2::{Digest, Sha256};

/// Accepts any well-formed client certificate, and connections without one.
#[derive(Debug)]
pub struct AnyClientCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AnyClientCert {
    pub fn new(provider: &CryptoProvider) -> AnyClientCert {
        AnyClientCert { algorithms: provider.signature_verification_algorithms }
    }
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No CA names: the client may send any certificate it has.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // No chain or expiry check: only the fingerprint matters. The
        // certificate must still parse, so its key can check the signature.
        ParsedCertificate::try_from(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A certificate's fingerprint as IRC servers show it: SHA-256 of the DER,
/// 64 lowercase hex digits without separators.
pub fn fingerprint(der: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(der).iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Brings a fingerprint a user typed to the form [`fingerprint`] gives:
/// lowercase, with `:` separators (as `openssl x509 -fingerprint` prints)
/// removed. `None` if it is not 64 hex digits.
pub fn normalize(typed: &str) -> Option<String> {
    let fp: String = typed.chars().filter(|c| *c != ':').map(|c| c.to_ascii_lowercase()).collect();
    (fp.len() == 64 && fp.bytes().all(|b| b.is_ascii_hexdigit())).then_some(fp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints() {
        // SHA-256 of the empty string.
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(fingerprint(b""), empty);
        let upper = empty.to_uppercase();
        let pairs: Vec<&str> = upper.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect();
        assert_eq!(normalize(&pairs.join(":")).as_deref(), Some(empty));
        assert_eq!(normalize("abc"), None);
        assert_eq!(normalize(&"g".repeat(64)), None);
    }
}
