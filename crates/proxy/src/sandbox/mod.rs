//! The sandbox: an in-process simulation of Socialchat's Partner API and of the Facebook
//! authorization dialog, so that the preview and every test run with no account and no network.
//!
//! What is documented behaves as documented (paths, bodies, paging by opaque `nextOffset`, the
//! error shape). What is not documented behaves sensibly and is listed in the book (Reference: Sandbox): tokens
//! expire (401), connecting an account twice is a 409, reconnecting needs the channel's account to
//! have been allowed in the dialog, and a Deny forwards Facebook's error parameters.

mod avatar;
mod dialog;
mod fault;
mod image;
mod qr;
mod seed;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use socialchat_api::{
    Account, AccountPage, BotToken, ChannelId, ChannelKind, ChannelListQuery, ConnectRequest,
    NextOffset, PartnerCall, ReconnectRequest,
};

use crate::call::{Answer, Backend, RawAnswer};
use crate::problem::Problem;
use crate::random;
use crate::session::{Claims, Sessions, AUDIENCE};

pub use fault::Fault;
use fault::Outcome;

pub struct SandboxOptions {
    pub accounts: usize,
    pub page_size: usize,
    pub latency: Duration,
    /// Up to this much more, at random, on top of `latency`.
    pub jitter: Duration,
    pub faults: Vec<Fault>,
    /// The share of API calls (in %) that fail at random (`--chaos`).
    pub chaos: u8,
    pub token_ttl: Duration,
    /// Where the dialog redirects; `{kind}` is replaced. `None`: the sandbox's own /callback/{kind}.
    pub callback_url: Option<String>,
    /// How long a simulated `timeout` failure hangs before the 504, as `serve` would.
    pub timeout: Duration,
    /// Signs the sessions of `/sandbox/session`, the stand-in for the partner's endpoint.
    pub sessions: Arc<Sessions>,
}

/// What the user allowed in one pass through the dialog.
struct Grant {
    kind: ChannelKind,
    allowed: Vec<ChannelId>,
    expires: Instant,
}

/// A channel record as Socialchat stores it, secrets included: the proxy's projection must
/// remove them, and the tests check that it does.
#[derive(Clone)]
struct StoredChannel {
    id: String,
    name: String,
    channel_id: String,
    channel_type: String,
    is_connected: bool,
    picture: Option<String>,
    disconnected_at: Option<String>,
    extra: Extra,
}

/// What a channel of a form kind keeps besides the common fields.
#[derive(Clone)]
enum Extra {
    Facebook,
    /// A WhatsApp number waiting for (or linked by) a scan of its QR code, since `since`.
    Whatsapp {
        phone: String,
        since: Instant,
    },
    Telegram {
        bot_id: String,
    },
    Webchat {
        website_url: String,
    },
}

impl StoredChannel {
    fn to_json(&self) -> Value {
        let mut channel = json!({
            "_id": self.id,
            "name": self.name,
            "channelId": self.channel_id,
            "channelType": self.channel_type,
            "isConnected": self.is_connected,
            "isTimeout": false,
            "picture": self.picture,
            "status": "free",
            "label": "Sandbox",
            "createdBy": {"_id": "5f0000000000000000000001", "email": "owner@toko-sandbox.test"},
            "additionalData": {"pageAccessToken": "EAAB-sandbox-page-secret"},
            "token": {"accessToken": "EAAB-sandbox-access-secret"},
            "disconnectedAt": self.disconnected_at,
        });
        match &self.extra {
            Extra::Facebook => {}
            Extra::Whatsapp { phone, since } => {
                channel["label"] = json!({"name": self.name, "phone": phone});
                let mut data = json!({
                    "assistantId": "asst_sandbox_secret",
                    "virtualMachineId": "vm-sandbox-secret",
                });
                if !self.is_connected {
                    let period = since.elapsed().as_secs() / qr::REFRESH.as_secs();
                    data["qrcode"] = qr::base64_png(&self.id, period).into();
                }
                channel["additionalData"] = data;
            }
            Extra::Telegram { bot_id } => {
                channel["additionalData"] =
                    json!({"botToken": format!("{bot_id}:AAF-sandbox-stored-bot-secret-0000")});
            }
            Extra::Webchat { website_url } => {
                channel["additionalData"] =
                    json!({"websiteUrl": website_url, "widgetKey": "wk-sandbox-secret"});
            }
        }
        channel
    }
}

/// The environment variable that holds the secret `sandbox --session-secret-env` checks and
/// mints sessions with: the sandbox's own, so that its session endpoint can never mint one
/// that a `serve` sharing the partner's `SOCIALCHAT_SESSION_SECRET` would accept.
pub const SECRET_VAR: &str = "SOCIALCHAT_SANDBOX_SESSION_SECRET";

/// The Telegram bots the sandbox knows, by token (BotFather's shape): the seeded channel's bot,
/// and another bot. Any other token of the right shape is invalid, as Telegram would say.
pub const SANDBOX_BOT: &str = "7000000001:AAFsandboxBotOfTheCustomerServiceTeam01";
pub const OTHER_BOT: &str = "7000000002:AAGsandboxAnotherBotOfAnotherCompany02";

struct World {
    accounts: HashMap<ChannelKind, Vec<Account>>,
    channels: Vec<StoredChannel>,
    grants: HashMap<String, Grant>,
    /// Dialog sessions started by authorize, by session id.
    sessions: HashMap<String, (ChannelKind, Instant)>,
    faults: Vec<Fault>,
    next_record: u64,
    /// The `sub`s whose first session was handed out already expired (`expire_first`).
    expired_once: std::collections::HashSet<String>,
}

pub struct Sandbox {
    options: SandboxOptions,
    origin: OnceLock<String>,
    world: Mutex<World>,
}

/// How long a dialog session stays open.
const SESSION_TTL: Duration = Duration::from_secs(30 * 60);

/// The most tokens and dialog sessions the sandbox keeps: a script that asks for a hundred
/// thousand must not grow its memory without end. Past this, the oldest go first.
const MAX_KEPT: usize = 2000;

/// Makes room for one more entry: drops the expired ones, then the oldest while full.
fn make_room<V>(map: &mut HashMap<String, V>, expiry: impl Fn(&V) -> Instant) {
    let now = Instant::now();
    map.retain(|_, v| expiry(v) > now);
    while map.len() >= MAX_KEPT {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| expiry(v))
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        map.remove(&oldest);
    }
}

fn answer(status: u16, body: Value) -> RawAnswer {
    RawAnswer::new(status, body.to_string())
}

/// An error in Socialchat's documented shape: Indonesian `message`, English `originalMessage`.
fn socialchat_error(status: u16, message: &str, original: &str) -> RawAnswer {
    answer(
        status,
        json!({"statusCode": status, "message": message, "originalMessage": original}),
    )
}

fn invalid_token() -> RawAnswer {
    socialchat_error(
        401,
        "Token tidak valid atau sudah kedaluwarsa, silakan otorisasi ulang",
        "Invalid or expired token",
    )
}

impl Sandbox {
    pub fn new(options: SandboxOptions) -> Arc<Sandbox> {
        let world = World {
            accounts: seed::accounts(options.accounts),
            channels: seed::channels(),
            grants: HashMap::new(),
            sessions: HashMap::new(),
            faults: options.faults.clone(),
            next_record: 1,
            expired_once: std::collections::HashSet::new(),
        };
        Arc::new(Sandbox {
            options,
            origin: OnceLock::new(),
            world: Mutex::new(world),
        })
    }

    /// The sandbox's own origin, known once the listener is bound.
    pub fn set_origin(&self, origin: &str) {
        let _ = self.origin.set(origin.to_owned());
        let mut world = self.lock();
        for accounts in world.accounts.values_mut() {
            for account in accounts.iter_mut() {
                if let Some(picture) = &account.picture {
                    if picture.starts_with('/') {
                        account.picture = Some(format!("{origin}{picture}"));
                    }
                }
            }
        }
        for channel in world.channels.iter_mut() {
            if let Some(picture) = &channel.picture {
                if picture.starts_with('/') {
                    channel.picture = Some(format!("{origin}{picture}"));
                }
            }
        }
    }

    fn origin(&self) -> &str {
        self.origin
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        // A panic while holding the lock cannot leave the world half-changed in a way that
        // matters to a simulation; keep serving.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn callback_url(&self, kind: ChannelKind) -> String {
        match &self.options.callback_url {
            Some(template) => template.replace("{kind}", kind.as_str()),
            None => format!("{}/callback/{kind}", self.origin()),
        }
    }

    async fn answer(&self, call: &PartnerCall) -> Result<RawAnswer, Problem> {
        // Random numbers only when asked for: a plain sandbox call needs none.
        let jitter = u64::try_from(self.options.jitter.as_millis()).unwrap_or(u64::MAX);
        let extra = match jitter {
            0 => 0,
            _ => u64::from(random::number()) % jitter.saturating_add(1),
        };
        let wait = self.options.latency + Duration::from_millis(extra);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let injected = {
            let mut world = self.lock();
            fault::take(&mut world.faults, call.route())
        }
        .or_else(|| match self.options.chaos {
            0 => None,
            percent => fault::chaos(percent, random::number()),
        });
        if let Some(outcome) = injected {
            return match outcome {
                Outcome::Status(401) => Ok(invalid_token()),
                Outcome::Status(status) => Ok(socialchat_error(
                    status,
                    "Terjadi kesalahan pada server (simulasi sandbox)",
                    "Injected failure (sandbox)",
                )),
                Outcome::Timeout => {
                    tokio::time::sleep(self.options.timeout).await;
                    Err(Problem::upstream_timeout(self.options.timeout))
                }
                Outcome::Malformed => {
                    Ok(answer(200, json!({"unexpected": "shape", "docs": "nope"})))
                }
                Outcome::Html => Ok(RawAnswer::new(
                    200,
                    Bytes::from_static(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
                )),
                Outcome::Unreachable => Err(Problem::new(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "could not reach Socialchat: try again in a moment",
                )),
            };
        }
        let mut world = self.lock();
        Ok(match call {
            PartnerCall::ChannelList { query } => world.channel_list(query),
            PartnerCall::Authorize { kind } => {
                let session = random::hex(16);
                make_room(&mut world.sessions, |(_, at)| *at + SESSION_TTL);
                world
                    .sessions
                    .insert(session.clone(), (*kind, Instant::now()));
                let url = format!("{}/sandbox/dialog?session={session}", self.origin());
                answer(200, json!({ "url": url }))
            }
            PartnerCall::Accounts {
                kind,
                token,
                offset,
            } => world.account_page(
                *kind,
                token.expose(),
                offset.as_ref().map(NextOffset::as_str),
                self.options.page_size,
            ),
            PartnerCall::Channel { id } => world.channel(id.as_str()),
            PartnerCall::Connect { kind, body } => match body {
                ConnectRequest::Account { channel_id, token } => {
                    world.connect(*kind, channel_id.as_str(), token.expose())
                }
                ConnectRequest::Whatsapp { name, phone } => {
                    world.create_whatsapp(name.as_str(), phone.as_str())
                }
                ConnectRequest::Telegram { token } => world.connect_telegram(token),
                ConnectRequest::Webchat { name, website_url } => {
                    world.create_webchat(name.as_str(), website_url.as_str())
                }
            },
            PartnerCall::Reconnect { kind, id, body } => match body {
                ReconnectRequest::Authorization { token } => {
                    world.reconnect(*kind, id.as_str(), token.expose())
                }
                ReconnectRequest::Telegram { token } => {
                    world.reconnect_telegram(id.as_str(), token)
                }
            },
        })
    }

    /// Completes a dialog session: Allow grants a token for the ticked accounts, Deny does not.
    /// Returns where to send the browser.
    fn decide(
        &self,
        session: &str,
        allow: bool,
        ticked: &[String],
    ) -> Result<String, &'static str> {
        let mut world = self.lock();
        let (kind, started) = world
            .sessions
            .remove(session)
            .ok_or("This authorization has expired or was already used. Close this window and start again.")?;
        if started.elapsed() > SESSION_TTL {
            return Err("This authorization has expired. Close this window and start again.");
        }
        let callback = self.callback_url(kind);
        let separator = if callback.contains('?') { '&' } else { '?' };
        if !allow {
            return Ok(format!(
                "{callback}{separator}error=access_denied&error_code=200&error_description=Permissions+error.&error_reason=user_denied"
            ));
        }
        let known = world.accounts.get(&kind).cloned().unwrap_or_default();
        let allowed: Vec<ChannelId> = known
            .iter()
            .filter(|a| ticked.iter().any(|t| t == a.channel_id.as_str()))
            .map(|a| a.channel_id.clone())
            .collect();
        let token = world.issue_token(kind, allowed, self.options.token_ttl);
        Ok(format!("{callback}{separator}token={token}"))
    }

    /// A token as if the user had pressed Allow with the first `count` accounts ticked (all when
    /// `None`): for browser tests, which cannot click inside a cross-origin popup.
    fn grant_first(&self, kind: ChannelKind, count: Option<usize>) -> String {
        let mut world = self.lock();
        let allowed = world
            .accounts
            .get(&kind)
            .map(|all| {
                all.iter()
                    .take(count.unwrap_or(usize::MAX))
                    .map(|a| a.channel_id.clone())
                    .collect()
            })
            .unwrap_or_default();
        world.issue_token(kind, allowed, self.options.token_ttl)
    }

    /// A session as the partner's backend would mint it, for `sub` and `kinds`; `channels`
    /// `all` stands for every channel the simulated company has. `expired`: already expired;
    /// `expire_first`: expired the first time this `sub` asks, valid afterwards (to test the
    /// widget's one refresh).
    fn session(
        &self,
        sub: &str,
        kinds: Vec<String>,
        channels: Option<Vec<String>>,
        ttl: u64,
        expired: bool,
        expire_first: bool,
    ) -> String {
        let mut world = self.lock();
        let channels = channels.map(|ids| {
            if ids.iter().any(|id| id == "all") {
                world.channels.iter().map(|c| c.id.clone()).collect()
            } else {
                ids
            }
        });
        let expired = expired || (expire_first && world.expired_once.insert(sub.to_owned()));
        let now = crate::session::now();
        let (iat, exp) = if expired {
            (now - 600, now - 120)
        } else {
            (now, now + ttl)
        };
        self.options.sessions.mint(&Claims {
            aud: AUDIENCE.into(),
            sub: sub.to_owned(),
            iat,
            exp,
            kinds,
            channels,
        })
    }

    /// `POST /sandbox/whatsapp/scan?id=…` or `?phone=…`: as if the user scanned the channel's
    /// QR code.
    fn scan(&self, id: &str, phone: &str) -> bool {
        self.lock().scan(id, phone)
    }

    /// `POST /sandbox/disconnect?id=…`: the channel breaks, as when its owner revokes access.
    fn disconnect(&self, id: &str) -> bool {
        let mut world = self.lock();
        let Some(channel) = world.channels.iter_mut().find(|c| c.id == id) else {
            return false;
        };
        channel.is_connected = false;
        channel.disconnected_at = Some("2026-11-20T08:15:00.000Z".to_owned());
        true
    }

    fn add_fault(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    fn session_accounts(&self, session: &str) -> Option<(ChannelKind, Vec<Account>)> {
        let world = self.lock();
        let (kind, started) = world.sessions.get(session)?;
        if started.elapsed() > SESSION_TTL {
            return None;
        }
        Some((*kind, world.accounts.get(kind).cloned().unwrap_or_default()))
    }

    fn avatar_initial(&self, number: usize) -> Option<char> {
        let world = self.lock();
        let account = world
            .accounts
            .get(&ChannelKind::Instagram)?
            .get(number.checked_sub(1)?)?;
        account.name.chars().find(|c| c.is_alphanumeric())
    }
}

impl World {
    /// A new token that sees `allowed` until `ttl` has passed.
    fn issue_token(&mut self, kind: ChannelKind, allowed: Vec<ChannelId>, ttl: Duration) -> String {
        let token = format!("sbx_{}", random::hex(24));
        make_room(&mut self.grants, |g| g.expires);
        let grant = Grant {
            kind,
            allowed,
            expires: Instant::now() + ttl,
        };
        self.grants.insert(token.clone(), grant);
        token
    }

    fn grant(&mut self, token: &str, kind: ChannelKind) -> Result<&Grant, RawAnswer> {
        let expired = matches!(self.grants.get(token), Some(g) if g.expires <= Instant::now());
        if expired {
            self.grants.remove(token);
        }
        match self.grants.get(token) {
            None => Err(invalid_token()),
            Some(grant) if grant.kind != kind => Err(socialchat_error(
                400,
                "Token ini untuk jenis channel lain",
                "This token was issued for another channel kind",
            )),
            Some(grant) => Ok(grant),
        }
    }

    fn channel_list(&self, query: &ChannelListQuery) -> RawAnswer {
        let types: Vec<&str> = query.channel_types.iter().map(String::as_str).collect();
        let search = query.search.as_deref().map(str::to_lowercase);
        let limit = query.limit.filter(|l| *l > 0).unwrap_or(10).min(100) as usize;
        let page = query.page.filter(|p| *p > 0).unwrap_or(1) as usize;
        let matching: Vec<&StoredChannel> = self
            .channels
            .iter()
            .filter(|c| types.is_empty() || types.contains(&c.channel_type.as_str()))
            .filter(|c| match &search {
                Some(s) => c.name.to_lowercase().contains(s),
                None => true,
            })
            .collect();
        let total = matching.len();
        let total_pages = total.div_ceil(limit).max(1);
        let docs: Vec<Value> = matching
            .iter()
            .skip((page - 1) * limit)
            .take(limit)
            .map(|c| c.to_json())
            .collect();
        answer(
            200,
            json!({
                "docs": docs,
                "totalDocs": total,
                "limit": limit,
                "totalPages": total_pages,
                "page": page,
                "pagingCounter": (page - 1) * limit + 1,
                "hasPrevPage": page > 1,
                "hasNextPage": page < total_pages,
                "prevPage": if page > 1 { Some(page - 1) } else { None },
                "nextPage": if page < total_pages { Some(page + 1) } else { None },
            }),
        )
    }

    fn account_page(
        &mut self,
        kind: ChannelKind,
        token: &str,
        offset: Option<&str>,
        page_size: usize,
    ) -> RawAnswer {
        let allowed = match self.grant(token, kind) {
            Ok(grant) => grant.allowed.clone(),
            Err(error) => return error,
        };
        let start = match offset {
            None => 0,
            Some(offset) => match decode_offset(token, offset) {
                Some(start) => start,
                None => {
                    return socialchat_error(400, "nextOffset tidak valid", "Invalid nextOffset")
                }
            },
        };
        let visible: Vec<Account> = self
            .accounts
            .get(&kind)
            .map(|all| {
                all.iter()
                    .filter(|a| allowed.contains(&a.channel_id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let accounts: Vec<Account> = visible
            .iter()
            .skip(start)
            .take(page_size)
            .cloned()
            .collect();
        let end = start + accounts.len();
        let next_offset = (end < visible.len())
            .then(|| NextOffset::new(encode_offset(token, end)).ok())
            .flatten();
        answer(
            200,
            AccountPage {
                accounts,
                next_offset,
            }
            .to_json(),
        )
    }

    fn connect(&mut self, kind: ChannelKind, channel_id: &str, token: &str) -> RawAnswer {
        let account = match self.grant(token, kind) {
            Err(error) => return error,
            Ok(grant) => {
                if !grant.allowed.iter().any(|id| id.as_str() == channel_id) {
                    return socialchat_error(
                        400,
                        "Akun tidak tersedia untuk otorisasi ini",
                        "This account is not available for this authorization",
                    );
                }
                self.accounts
                    .get(&kind)
                    .and_then(|all| all.iter().find(|a| a.channel_id.as_str() == channel_id))
                    .cloned()
            }
        };
        let Some(account) = account else {
            return socialchat_error(404, "Akun tidak ditemukan", "Account not found");
        };
        if let Some(existing) = self
            .channels
            .iter()
            .find(|c| c.channel_type == kind.as_str() && c.channel_id == channel_id)
        {
            return if existing.is_connected {
                socialchat_error(
                    409,
                    "Akun ini sudah terhubung ke Socialchat",
                    "This account is already connected",
                )
            } else {
                socialchat_error(
                    409,
                    "Akun ini sudah ada di Socialchat, gunakan Reconnect",
                    "This account already has a channel: reconnect it instead",
                )
            };
        }
        let channel = StoredChannel {
            id: self.new_record_id(),
            name: account.name.clone(),
            channel_id: channel_id.to_owned(),
            channel_type: kind.as_str().to_owned(),
            is_connected: true,
            picture: account.picture.clone(),
            disconnected_at: None,
            extra: Extra::Facebook,
        };
        let body = channel.to_json();
        self.channels.push(channel);
        answer(201, body)
    }

    fn new_record_id(&mut self) -> String {
        let id = format!("6600000000000000{:08x}", self.next_record);
        self.next_record += 1;
        id
    }

    /// `GET /partner/channel/{_id}`: the whole record, secrets and (for a WhatsApp number
    /// waiting for its scan) the current QR code included.
    fn channel(&self, id: &str) -> RawAnswer {
        match self.channels.iter().find(|c| c.id == id) {
            Some(channel) => answer(200, channel.to_json()),
            None => socialchat_error(404, "Channel tidak ditemukan", "Channel not found"),
        }
    }

    /// `POST …/whatsapp-unofficial {name, phone}`: a channel waiting for its QR code to be
    /// scanned; the answer is only its `_id`, as documented. Like the documented answer, it says
    /// `linkchat`.
    fn create_whatsapp(&mut self, name: &str, phone: &str) -> RawAnswer {
        if let Some(existing) = self.channels.iter().find(|c| {
            matches!(&c.extra, Extra::Whatsapp { phone: p, .. } if p == phone) && c.is_connected
        }) {
            let _ = existing;
            return socialchat_error(
                409,
                "Nomor WhatsApp ini sudah terhubung ke Socialchat",
                "This WhatsApp number is already connected",
            );
        }
        let channel = StoredChannel {
            id: self.new_record_id(),
            name: name.to_owned(),
            channel_id: String::new(),
            channel_type: "linkchat".into(),
            is_connected: false,
            picture: None,
            disconnected_at: None,
            extra: Extra::Whatsapp {
                phone: phone.to_owned(),
                since: Instant::now(),
            },
        };
        let id = channel.id.clone();
        self.channels.push(channel);
        answer(201, json!({ "_id": id }))
    }

    /// The test hook's scan: the phone linked the number.
    /// The WhatsApp channel `id`, or the newest one of `phone`, is linked.
    fn scan(&mut self, id: &str, phone: &str) -> bool {
        let phone = phone.trim().trim_start_matches('+');
        let Some(channel) = self.channels.iter_mut().rev().find(|c| match &c.extra {
            Extra::Whatsapp { phone: p, .. } => {
                (!id.is_empty() && c.id == id)
                    || (!phone.is_empty() && p.trim_start_matches('+') == phone)
            }
            _ => false,
        }) else {
            return false;
        };
        channel.is_connected = true;
        channel.disconnected_at = None;
        if let Extra::Whatsapp { phone, .. } = &channel.extra {
            channel.channel_id = phone.trim_start_matches('+').to_owned();
        }
        true
    }

    /// Telegram says whether a token is a bot's, and which.
    fn bot_of(token: &BotToken) -> Result<String, RawAnswer> {
        if [SANDBOX_BOT, OTHER_BOT].contains(&token.expose()) {
            Ok(token.bot_id().to_owned())
        } else {
            Err(socialchat_error(
                400,
                "Token bot Telegram tidak valid",
                "The Telegram bot token is not valid",
            ))
        }
    }

    fn connect_telegram(&mut self, token: &BotToken) -> RawAnswer {
        let bot_id = match World::bot_of(token) {
            Ok(bot_id) => bot_id,
            Err(refusal) => return refusal,
        };
        if self
            .channels
            .iter()
            .any(|c| matches!(&c.extra, Extra::Telegram { bot_id: b } if *b == bot_id))
        {
            return socialchat_error(
                409,
                "Bot ini sudah terhubung ke Socialchat",
                "This bot is already connected",
            );
        }
        let channel = StoredChannel {
            id: self.new_record_id(),
            name: format!("Bot {bot_id}"),
            channel_id: bot_id.clone(),
            channel_type: "telegram".into(),
            is_connected: true,
            picture: None,
            disconnected_at: None,
            extra: Extra::Telegram { bot_id },
        };
        let id = channel.id.clone();
        self.channels.push(channel);
        answer(201, json!({ "_id": id }))
    }

    fn reconnect_telegram(&mut self, id: &str, token: &BotToken) -> RawAnswer {
        let bot_id = match World::bot_of(token) {
            Ok(bot_id) => bot_id,
            Err(refusal) => return refusal,
        };
        let Some(channel) = self
            .channels
            .iter_mut()
            .find(|c| c.id == id && c.channel_type == "telegram")
        else {
            return socialchat_error(404, "Channel tidak ditemukan", "Channel not found");
        };
        if !matches!(&channel.extra, Extra::Telegram { bot_id: b } if *b == bot_id) {
            return socialchat_error(
                400,
                "Token ini milik bot lain, bukan bot channel ini",
                "This token belongs to another bot than the channel's",
            );
        }
        channel.is_connected = true;
        channel.disconnected_at = None;
        answer(200, json!({ "_id": id }))
    }

    fn create_webchat(&mut self, name: &str, website_url: &str) -> RawAnswer {
        let channel = StoredChannel {
            id: self.new_record_id(),
            name: name.to_owned(),
            channel_id: format!("wc-{:03}", self.next_record),
            channel_type: "webchat".into(),
            is_connected: true,
            picture: None,
            disconnected_at: None,
            extra: Extra::Webchat {
                website_url: website_url.to_owned(),
            },
        };
        let id = channel.id.clone();
        self.channels.push(channel);
        answer(201, json!({ "_id": id }))
    }

    fn reconnect(&mut self, kind: ChannelKind, id: &str, token: &str) -> RawAnswer {
        let allowed = match self.grant(token, kind) {
            Ok(grant) => grant.allowed.clone(),
            Err(error) => return error,
        };
        let Some(channel) = self
            .channels
            .iter_mut()
            .find(|c| c.id == id && c.channel_type == kind.as_str())
        else {
            return socialchat_error(404, "Channel tidak ditemukan", "Channel not found");
        };
        if !allowed.iter().any(|a| a.as_str() == channel.channel_id) {
            return socialchat_error(
                400,
                "Akun channel ini tidak diizinkan pada otorisasi Facebook",
                "The authorization did not include this channel's account",
            );
        }
        channel.is_connected = true;
        channel.disconnected_at = None;
        answer(200, channel.to_json())
    }
}

/// Offsets are opaque to clients: the position, tied to the token that asked, in hex.
fn encode_offset(token: &str, position: usize) -> String {
    let tag: String = token.chars().rev().take(6).collect();
    format!("{tag}:{position}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_offset(token: &str, offset: &str) -> Option<usize> {
    if !offset.len().is_multiple_of(2) || offset.len() > 64 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..offset.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(offset.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (tag, position) = text.split_once(':')?;
    let expected: String = token.chars().rev().take(6).collect();
    (tag == expected).then(|| position.parse().ok()).flatten()
}

impl Backend for Sandbox {
    fn mode(&self) -> &'static str {
        "sandbox"
    }

    fn call<'a>(&'a self, call: &'a PartnerCall) -> Answer<'a> {
        Box::pin(self.answer(call))
    }

    /// Never kept: the sandbox answers at once, and its test hooks (`/sandbox/disconnect`,
    /// the scan) change channels behind the proxy's back.
    fn channel_list_lifetime(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }

    fn own_authorize_url(&self, url: &str) -> bool {
        url.starts_with(&format!("{}/sandbox/dialog?", self.origin()))
    }

    fn listening_on(&self, origin: &str) {
        self.set_origin(origin);
    }

    fn routes(self: Arc<Self>) -> Option<Router> {
        Some(routes(self))
    }
}

fn routes(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/sandbox/dialog", get(dialog::show).post(dialog::decide))
        .route("/sandbox/avatar/{file}", get(dialog::avatar))
        .route("/sandbox/token", axum::routing::post(dialog::token))
        .route("/sandbox/session", get(dialog::session))
        .route("/sandbox/whatsapp/scan", axum::routing::post(dialog::scan))
        .route(
            "/sandbox/disconnect",
            axum::routing::post(dialog::disconnect),
        )
        .route("/sandbox/fail", axum::routing::post(dialog::fail))
        .with_state(sandbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_opaque_and_bound_to_their_token() {
        let offset = encode_offset("sbx_abcdef123456", 10);
        assert!(!offset.contains("10"));
        assert_eq!(decode_offset("sbx_abcdef123456", &offset), Some(10));
        assert_eq!(decode_offset("sbx_other0000000", &offset), None);
        assert_eq!(decode_offset("sbx_abcdef123456", "zz"), None);
        assert_eq!(decode_offset("sbx_abcdef123456", "abc"), None);
    }

    #[test]
    fn tokens_and_sessions_are_bounded() {
        let sandbox = Sandbox::new(SandboxOptions {
            accounts: 3,
            page_size: 10,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            faults: Vec::new(),
            chaos: 0,
            token_ttl: Duration::from_secs(3600),
            callback_url: None,
            timeout: Duration::from_secs(1),
            sessions: Arc::new(Sessions::new(&[7u8; 32], 3600).unwrap()),
        });
        for _ in 0..(3 * MAX_KEPT) {
            sandbox.grant_first(ChannelKind::Instagram, None);
        }
        let newest = sandbox.grant_first(ChannelKind::Instagram, Some(1));
        let world = sandbox.lock();
        assert!(world.grants.len() <= MAX_KEPT, "{}", world.grants.len());
        assert!(
            world.grants.contains_key(&newest),
            "the newest token still works"
        );
    }
}
