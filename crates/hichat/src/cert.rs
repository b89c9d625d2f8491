//! `hichat cert self-signed`: a development certificate for TLS.

use std::path::Path;
use std::process::ExitCode;

/// Writes `cert.pem` and `key.pem` for localhost, 127.0.0.1 and ::1 into
/// `out` (created if missing); the key is readable by its owner only.
pub fn self_signed(out: &Path) -> ExitCode {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let generated = match rcgen::generate_simple_self_signed(names) {
        Ok(g) => g,
        Err(e) => return fail(format!("cannot make a certificate: {e}")),
    };
    if let Err(e) = std::fs::create_dir_all(out) {
        return fail(format!("cannot create {}: {e}", out.display()));
    }
    let cert_path = out.join("cert.pem");
    let key_path = out.join("key.pem");
    if let Err(e) = std::fs::write(&cert_path, generated.cert.pem()) {
        return fail(format!("cannot write {}: {e}", cert_path.display()));
    }
    if let Err(e) = write_private(&key_path, &generated.key_pair.serialize_pem()) {
        return fail(format!("cannot write {}: {e}", key_path.display()));
    }
    println!("wrote {} and {}", cert_path.display(), key_path.display());
    println!("serve with: hichat serve --tls-cert {} --tls-key {}", cert_path.display(), key_path.display());
    ExitCode::SUCCESS
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

fn fail(message: String) -> ExitCode {
    eprintln!("hichat: {message}");
    ExitCode::from(2)
}
