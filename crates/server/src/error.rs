use std::fmt;
use std::io;

/// Why the server could not start or keep serving.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address is not `HOST:PORT`, or the host does not resolve.
    Address {
        /// The address as given.
        addr: String,
        /// Why it is not usable.
        reason: String,
    },
    /// Binding the listener failed (address in use, permission denied, ...).
    Bind {
        /// The address as given.
        addr: String,
        /// The OS error.
        source: io::Error,
    },
    /// Another I/O failure around the listener.
    Io(io::Error),
    /// A TLS certificate or key file is missing or unusable.
    Tls {
        /// The file at fault.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Address { addr, reason } => write!(f, "bad address {addr:?}: {reason}"),
            ServeError::Bind { addr, source } => {
                let reason = match source.kind() {
                    io::ErrorKind::AddrInUse => "the address is already in use".to_owned(),
                    io::ErrorKind::PermissionDenied => {
                        "permission denied (ports below 1024 need privileges)".to_owned()
                    }
                    io::ErrorKind::AddrNotAvailable => {
                        "the address is not available on this machine".to_owned()
                    }
                    _ => source.to_string(),
                };
                write!(f, "cannot listen on {addr}: {reason}")
            }
            ServeError::Io(e) => write!(f, "server I/O error: {e}"),
            ServeError::Tls { path, reason } => {
                write!(f, "bad TLS file {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Bind { source, .. } | ServeError::Io(source) => Some(source),
            ServeError::Address { .. } | ServeError::Tls { .. } => None,
        }
    }
}
