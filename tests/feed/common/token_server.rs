//! A scripted OAuth token endpoint on loopback, for the edge cases the
//! simulator does not model (429, 5xx, broken bodies). Real HTTP, real
//! sockets: each request gets the next scripted answer and is recorded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }

    pub fn token(token: &str, expires_in: u64) -> Answer {
        Answer::json(
            200,
            &format!(
                r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{expires_in}}}"#
            ),
        )
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Default)]
struct State {
    answers: VecDeque<Answer>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
pub struct TokenServer {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl TokenServer {
    pub async fn start(answers: Vec<Answer>) -> TokenServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            answers: answers.into(),
            seen: Vec::new(),
        }));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let st = st.clone();
                        async move { Ok::<_, hyper::Error>(answer(req, &st).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        TokenServer { url, state }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

async fn answer(req: Request<Incoming>, st: &Mutex<State>) -> Response<Full<Bytes>> {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut seen = Seen {
        method: req.method().to_string(),
        path: req.uri().path().to_string(),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: String::new(),
    };
    let body = req.into_body().collect().await.map(|b| b.to_bytes());
    seen.body = String::from_utf8_lossy(&body.unwrap_or_default()).into_owned();
    let a = {
        let mut st = st.lock().unwrap();
        st.seen.push(seen);
        st.answers
            .pop_front()
            .unwrap_or_else(|| Answer::json(500, r#"{"error":"script exhausted"}"#))
    };
    let mut resp = Response::builder().status(a.status);
    for (k, v) in &a.headers {
        resp = resp.header(*k, v);
    }
    resp.body(Full::new(Bytes::from(a.body))).unwrap()
}
