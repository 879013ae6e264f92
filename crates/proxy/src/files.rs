//! `--static DIR`: the widget's build output and the callback page, served as public files.
//!
//! Only regular files inside the folder are served: a path with a hidden segment (`.env`,
//! `.git/HEAD`), a `..`, that resolves (through a symbolic link) outside the folder, or that the
//! file system cannot open (a name over 255 bytes, a path too long) is a 404, like a file that
//! is not there. The callback page is also served at `/callback/{kind}`, the
//! URL set as callbackInstagramUrl / callbackMessengerUrl, with the files it loads by relative
//! path beside it.
//!
//! Caching: a file whose name carries its content's hash (`pkg/socialchat-connect-<16 hex>.js`,
//! scripts/bundle) never changes, so it is `public, max-age=31536000, immutable`; everything
//! else (the loader, the callback page) is `no-cache`, revalidated with `Last-Modified`: a second
//! visit downloads only the loader's 304.
//!
//! Compression: scripts/bundle writes `NAME.br` and `NAME.gz` beside each file it ships, and a
//! browser that accepts them gets one (`Content-Encoding`, with `Vary: Accept-Encoding` on every
//! file, so that a shared cache keeps the variants apart); one that does not gets the file.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::problem::Problem;

/// The routes of the static files under `dir`.
pub fn routes(dir: PathBuf) -> Router {
    let root = dir.canonicalize().unwrap_or_else(|_| dir.clone());
    let callback_root = root.clone();
    let guard_root = root.clone();
    Router::new()
        .route(
            "/callback/{*file}",
            get(
                move |axum::extract::Path(file): axum::extract::Path<String>, request: Request| {
                    callback_page(callback_root.clone(), file, request)
                },
            ),
        )
        .fallback_service(
            Router::new()
                .fallback_service(
                    ServeDir::new(root)
                        .precompressed_br()
                        .precompressed_gzip()
                        .fallback(get(not_found)),
                )
                .layer(middleware::from_fn(move |request: Request, next: Next| {
                    let root = guard_root.clone();
                    async move {
                        if !within(&root, request.uri().path()).await {
                            return Problem::not_found().into_response();
                        }
                        let cache = cache_control(request.uri().path());
                        let mut response = public(next.run(request).await);
                        response
                            .headers_mut()
                            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
                        response
                    }
                })),
        )
}

async fn not_found() -> Problem {
    Problem::not_found()
}

/// The widget's files are public: any page may load them as module scripts and fetch the wasm,
/// which both need CORS when the page is on another origin than the files. Each may come
/// compressed, by the request's `Accept-Encoding`.
fn public(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The `Cache-Control` of a file: for good when its name holds its content's hash.
pub fn cache_control(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name
        .strip_suffix(".js")
        .or_else(|| name.strip_suffix(".wasm"))
        .unwrap_or("");
    let hashed = stem
        .rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Whether a segment of a request path may name a file: not empty, not hidden, not `..`.
fn plain_segment(segment: &str) -> bool {
    !segment.is_empty() && !segment.starts_with('.') && !segment.contains(['\\', '\0'])
}

/// Whether the URL path names a regular file (or a folder with an index) inside `root`, after
/// every symbolic link is followed.
async fn within(root: &Path, url_path: &str) -> bool {
    let decoded = socialchat_api::query::decode_component(url_path);
    let relative = decoded.trim_start_matches('/');
    if relative.is_empty() {
        return true;
    }
    let segments: Vec<&str> = relative.trim_end_matches('/').split('/').collect();
    if !segments.iter().all(|s| plain_segment(s)) {
        return false;
    }
    let candidate = segments.iter().fold(root.to_path_buf(), |p, s| p.join(s));
    match tokio::fs::canonicalize(&candidate).await {
        // Missing: ServeDir answers 404 itself, if opening it fails the same way (the walk
        // can stop at a missing folder before the whole path proves too long to open).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let opened = tokio::fs::symlink_metadata(&candidate).await;
            opened.is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        }
        // A name too long for the file system, a loop of symbolic links, a file used as a
        // folder: not a file to serve either (ServeDir answers some of these 500, empty).
        Err(_) => false,
        Ok(real) => {
            if !real.starts_with(root) {
                return false;
            }
            match tokio::fs::metadata(&real).await {
                Ok(meta) => meta.is_file() || meta.is_dir(),
                Err(_) => false,
            }
        }
    }
}

/// `/callback/{kind}`: the callback page. `/callback/{path}`: the files it loads by relative
/// path (its script, style, the widget's module and its snippets), from the same folder.
async fn callback_page(root: PathBuf, file: String, request: Request) -> Response {
    // Only the kinds authorized through Facebook come back to a callback page.
    let is_kind = file
        .parse::<socialchat_api::ChannelKind>()
        .is_ok_and(|kind| kind.connection() == socialchat_api::kind::Connection::Facebook);
    // Plain names only, segment by segment: no `..`, no hidden files, nothing odd.
    let safe_path = file.split('/').all(|segment| {
        plain_segment(segment)
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    if !is_kind && !safe_path {
        return Problem::not_found().into_response();
    }
    let name = if is_kind {
        "callback.html"
    } else {
        file.as_str()
    };
    if !within(&root, name).await {
        return Problem::not_found().into_response();
    }
    let path = root.join(name);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return if is_kind {
            Problem::new(
                StatusCode::NOT_FOUND,
                "callback.html is not in the --static folder: build the widget first (trunk build)",
            )
            .into_response()
        } else {
            Problem::not_found().into_response()
        };
    }
    // The file (or its .br or .gz beside it), as ServeDir serves the others.
    let (parts, _) = request.into_parts();
    let request = Request::from_parts(parts, axum::body::Body::empty());
    let served = ServeFile::new(&path)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(request)
        .await;
    let Ok(served) = served;
    let mut response = served.map(axum::body::Body::new);
    if !response.status().is_success() && response.status() != StatusCode::NOT_MODIFIED {
        return Problem::not_found().into_response();
    }
    let cache = if is_kind {
        "no-store"
    } else {
        cache_control(name)
    };
    let headers = response.headers_mut();
    // ServeFile names the type without its charset.
    if name.ends_with(".html") {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}
