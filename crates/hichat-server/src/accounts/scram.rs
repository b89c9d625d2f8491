//! SCRAM-SHA-256 (RFC 5802, RFC 7677), the server side.
//!
//! Only the derived keys are stored ([`derive`]); a login computes two
//! HMACs and one hash, cheap enough to run under the state lock. Channel
//! binding is not offered (`n` or `y` GS2 flags only). Keys are derived
//! from the password after SASLprep, which the client applies too (RFC
//! 5802 section 2.2, `Normalize`); accounts made before SASLprep was
//! applied have keys from the password as typed, the same for the
//! printable ASCII passwords almost everyone uses.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// PBKDF2 iterations for new credentials (RFC 7677 asks for at least 4096).
pub const ITERATIONS: u32 = 4096;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// StoredKey and ServerKey for a password (slow: PBKDF2; run it off the
/// async threads).
pub fn derive(password: &str, salt: &[u8], iterations: u32) -> ([u8; 32], [u8; 32]) {
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut salted);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key: [u8; 32] = Sha256::digest(client_key).into();
    let server_key = hmac(&salted, b"Server Key");
    (stored_key, server_key)
}

/// Made-up credentials for an account that does not exist: the salt is
/// derived from the server's secret and the name (the same on every try and
/// across restarts, like a real account's), the keys are random, so the
/// exchange runs to its end and fails there.
pub fn unknown_account(secret: &[u8], folded_name: &str) -> crate::store::Credentials {
    use rand::RngCore;
    let salt = hmac(secret, format!("scram salt {folded_name}").as_bytes())[..16].to_vec();
    let mut keys = [0u8; 64];
    rand::thread_rng().fill_bytes(&mut keys);
    crate::store::Credentials {
        password_hash: String::new(),
        scram_salt: salt,
        scram_iterations: ITERATIONS,
        scram_stored_key: keys[..32].to_vec(),
        scram_server_key: keys[32..].to_vec(),
    }
}

/// The client's first message, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFirst {
    pub gs2_header: String,
    pub username: String,
    /// The authorization identity, when one is given.
    pub authzid: Option<String>,
    pub client_nonce: String,
    /// `n=...,r=...` and any extensions: part of the AuthMessage.
    pub bare: String,
}

/// Decodes a SCRAM `saslname` (`=2C` is `,`, `=3D` is `=`).
fn saslname(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        match rest.get(i..i + 3) {
            Some("=2C") => out.push(','),
            Some("=3D") => out.push('='),
            _ => return None,
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(out)
}

pub fn parse_client_first(msg: &str) -> Option<ClientFirst> {
    let mut parts = msg.splitn(3, ',');
    let flag = parts.next()?;
    let authz = parts.next()?;
    let bare = parts.next()?;
    if flag != "n" && flag != "y" {
        return None; // `p=`: channel binding, not offered.
    }
    let authzid = match authz {
        "" => None,
        a => Some(saslname(a.strip_prefix("a=")?)?),
    };
    let mut fields = bare.split(',');
    let username = saslname(fields.next()?.strip_prefix("n=")?)?;
    let client_nonce = fields.next()?.strip_prefix("r=")?.to_owned();
    if username.is_empty()
        || client_nonce.is_empty()
        || !client_nonce.bytes().all(|b| b.is_ascii_graphic() && b != b',')
    {
        return None;
    }
    Some(ClientFirst { gs2_header: format!("{flag},{authz},"), username, authzid, client_nonce, bare: bare.to_owned() })
}

/// A SCRAM exchange after the server's first message.
#[derive(Clone)]
pub struct Exchange {
    first: ClientFirst,
    server_first: String,
    nonce: String,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exchange(..)")
    }
}

impl Exchange {
    /// Starts the exchange: `server_nonce` is appended to the client's.
    pub fn new(
        first: ClientFirst,
        server_nonce: &str,
        salt: &[u8],
        iterations: u32,
        stored_key: &[u8],
        server_key: &[u8],
    ) -> Exchange {
        let nonce = format!("{}{}", first.client_nonce, server_nonce);
        let server_first = format!("r={nonce},s={},i={iterations}", B64.encode(salt));
        Exchange { first, server_first, nonce, stored_key: stored_key.to_vec(), server_key: server_key.to_vec() }
    }

    /// The server-first-message to send.
    pub fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks the client's final message; on success returns the
    /// server-final-message (`v=...`).
    pub fn finish(&self, client_final: &str) -> Option<String> {
        let (without_proof, proof) = client_final.rsplit_once(",p=")?;
        let mut fields = without_proof.split(',');
        let binding = B64.decode(fields.next()?.strip_prefix("c=")?).ok()?;
        let nonce = fields.next()?.strip_prefix("r=")?;
        if binding != self.first.gs2_header.as_bytes() || nonce != self.nonce {
            return None;
        }
        let proof = B64.decode(proof).ok()?;
        if proof.len() != 32 {
            return None;
        }
        let auth_message = format!("{},{},{}", self.first.bare, self.server_first, without_proof);
        let client_signature = hmac(&self.stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = proof.iter().zip(client_signature).map(|(p, s)| p ^ s).collect();
        let computed: [u8; 32] = Sha256::digest(&client_key).into();
        if !bool::from(computed.ct_eq(&self.stored_key[..])) {
            return None;
        }
        let server_signature = hmac(&self.server_key, auth_message.as_bytes());
        Some(format!("v={}", B64.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3.
    #[test]
    fn rfc7677_vector() {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let (stored, server) = derive("pencil", &salt, 4096);
        let first = parse_client_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO").unwrap();
        assert_eq!(first.username, "user");
        let ex = Exchange::new(first, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", &salt, 4096, &stored, &server);
        assert_eq!(
            ex.server_first(),
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let client_final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                            p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(ex.finish(client_final).unwrap(), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        // A wrong proof or nonce fails.
        let bad = client_final.replace("p=dHz", "p=eHz");
        assert!(ex.finish(&bad).is_none());
        assert!(ex.finish(&client_final.replace("k0,p", "k1,p")).is_none());
    }

    #[test]
    fn client_first_forms() {
        let f = parse_client_first("n,a=adm=2Cin,n=us=3Der,r=abc").unwrap();
        assert_eq!(f.authzid.as_deref(), Some("adm,in"));
        assert_eq!(f.username, "us=er");
        assert_eq!(f.gs2_header, "n,a=adm=2Cin,");
        assert!(parse_client_first("p=tls-unique,,n=u,r=x").is_none());
        assert!(parse_client_first("n,,n=u").is_none());
        assert!(parse_client_first("n,,n=u=zz,r=x").is_none());
    }
}
