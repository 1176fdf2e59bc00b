//! HTTPS with rustls (ring provider): a certificate chain and key from PEM files,
//! ALPN `h2` and `http/1.1`.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::{ServeError, TlsFiles};

fn tls_error(path: &Path, reason: impl Into<String>) -> ServeError {
    ServeError::Tls {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Loads the files and builds the acceptor, or says clearly what is wrong.
pub(crate) fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServeError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| {
            let reason = match e.kind() {
                io::ErrorKind::NotFound => "the file does not exist".to_owned(),
                _ => format!("cannot read the file: {e}"),
            };
            tls_error(path, reason)
        })
    };
    let cert_pem = read(&files.cert)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| tls_error(&files.cert, format!("not a PEM certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(tls_error(
            &files.cert,
            "no `BEGIN CERTIFICATE` block found (expected a PEM certificate chain)",
        ));
    }
    let key_pem = read(&files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        tls_error(
            &files.key,
            format!("no usable private key (PKCS#8, PKCS#1 or SEC1 PEM expected): {e}"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(&files.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            tls_error(
                &files.cert,
                format!(
                    "the certificate and the key {} do not make a usable pair: {e}",
                    files.key.display()
                ),
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_bad_certificate_is_a_clear_startup_error() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let files = TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        };
        let err = acceptor(&files).err().expect("an error").to_string();
        assert!(
            err.contains("cert.pem") && err.contains("does not exist"),
            "{err}"
        );

        std::fs::write(&cert, "hello, not a certificate\n").unwrap();
        let err = acceptor(&files).err().expect("an error").to_string();
        assert!(
            err.contains("cert.pem") && err.contains("BEGIN CERTIFICATE"),
            "{err}"
        );

        std::fs::write(
            &cert,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        std::fs::write(&key, "no key here\n").unwrap();
        let err = acceptor(&files).err().expect("an error").to_string();
        assert!(
            err.contains("key.pem") && err.contains("private key"),
            "{err}"
        );
    }
}
