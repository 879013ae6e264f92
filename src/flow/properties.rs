//! Property tests of the flow: random sequences of inputs (answers and failures, duplicates,
//! late answers of older attempts, stale callbacks, Cancel, Try again, user edits, timers) for
//! every kind never panic, never leave the widget stuck (from every step, the user's actions and
//! the answers or timers it waits for lead back to the button within a few inputs), and never
//! put the Facebook token or a bot token in an event for the host page.

use proptest::prelude::*;
use socialchat_api::callback::{CallbackFailure, CallbackOutcome};
use socialchat_api::{Account, ApiError, ChannelType};

use super::*;

/// The Facebook token every authorization in these tests gives.
const TOKEN: &str = "EAAB-property-token-4f1d2c";
/// The bot token typed into Telegram's form.
const BOT_TOKEN: &str = "123456789:AAHk1q2w3e4r5t6y7u8i9o0pASDFGHJKLZXcv";

/// Which attempt an answer or a timer claims to be for.
#[derive(Debug, Clone, Copy)]
enum Which {
    Current,
    Older,
    Newer,
}

impl Which {
    fn of(self, flow: &Flow) -> u32 {
        match self {
            Which::Current => flow.attempt(),
            Which::Older => flow.attempt().saturating_sub(1),
            Which::Newer => flow.attempt() + 1,
        }
    }
}

/// What happens next, before it knows the flow's attempt.
#[derive(Debug, Clone)]
enum Action {
    Start(Option<Via>),
    TryAgain(Option<Via>),
    Cancel,
    Reset,
    Authorized(Which, Result<(), ApiFailure>),
    PopupClosed(Which),
    Callback(bool, ChannelKind),
    TimedOut(Which),
    Accounts(Which, Result<(u32, bool), ApiFailure>),
    LoadMore,
    Filter(String),
    Select(u32),
    Move(Move),
    Connect,
    Connected(Which, Result<bool, ApiFailure>),
    ReconnectAccount(u32),
    Edit(Field, String),
    Submit,
    Channel(Which, Result<bool, ApiFailure>),
    PollDue(Which),
    PageHidden(bool),
    ScanExpired(Which),
    CameBack,
    RedirectFailed(Which),
}

fn account(n: u32) -> Account {
    Account {
        name: format!("Akun {n}"),
        channel_id: ChannelId::new(format!("1784{n}")).unwrap(),
        picture: None,
        connected: n % 7 == 3,
        reconnect: (n % 11 == 5)
            .then(|| ChannelRecordId::new(format!("65f0a1b2c3d4e5f6a7b8c9{n:02}")).unwrap()),
        // Someone else's broken channel: never offered.
        taken: n % 13 == 8,
    }
}

fn channel(connected: bool) -> Channel {
    Channel {
        id: ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c901").unwrap(),
        name: "Toko".into(),
        channel_id: Some("17841400000000001".into()),
        channel_type: ChannelType::Instagram,
        is_connected: connected,
        picture: None,
        disconnected_at: None,
        qrcode: (!connected).then(|| "data:image/png;base64,iVBORw0KGgo=".into()),
    }
}

impl Action {
    fn input(self, flow: &Flow) -> Input {
        match self {
            Action::Start(via) => Input::Start { via, target: None },
            Action::TryAgain(via) => Input::TryAgain { via },
            Action::Cancel => Input::Cancel,
            Action::Reset => Input::Reset,
            Action::Authorized(w, r) => Input::AuthorizeAnswered {
                attempt: w.of(flow),
                result: r.map(|()| "https://fb.test/dialog".into()),
            },
            Action::PopupClosed(w) => Input::PopupClosed {
                attempt: w.of(flow),
            },
            Action::Callback(allowed, channel) => Input::Callback(CallbackMessage {
                channel,
                outcome: if allowed {
                    CallbackOutcome::Authorized(Token::new(TOKEN).unwrap())
                } else {
                    CallbackOutcome::Declined(CallbackFailure {
                        error: "access_denied".into(),
                        reason: Some("user_denied".into()),
                        description: None,
                    })
                },
            }),
            Action::TimedOut(w) => Input::TimedOut {
                attempt: w.of(flow),
            },
            Action::Accounts(w, r) => Input::AccountsAnswered {
                attempt: w.of(flow),
                result: r.map(|(count, more)| AccountPage {
                    accounts: (1..=count).map(account).collect(),
                    next_offset: more.then(|| NextOffset::new("next").unwrap()),
                }),
            },
            Action::LoadMore => Input::LoadMore,
            Action::Filter(text) => Input::Filter(text),
            Action::Select(n) => Input::Select(account(n).channel_id),
            Action::Move(key) => Input::Move { from: None, key },
            Action::Connect => Input::Connect,
            Action::Connected(w, r) => Input::ConnectAnswered {
                attempt: w.of(flow),
                result: r.map(|with_channel| Connected {
                    channel: with_channel.then(|| channel(true)),
                    ticket: None,
                    receipt: None,
                }),
            },
            Action::ReconnectAccount(n) => Input::ReconnectAccount(account(n).channel_id),
            Action::Edit(field, value) => Input::Edit { field, value },
            Action::Submit => Input::Submit,
            Action::Channel(w, r) => Input::ChannelAnswered {
                attempt: w.of(flow),
                result: r.map(|connected| ChannelStatus {
                    channel: channel(connected),
                    receipt: None,
                }),
            },
            Action::PollDue(w) => Input::PollDue {
                attempt: w.of(flow),
                poll: flow.poll,
            },
            Action::PageHidden(hidden) => Input::PageHidden(hidden),
            Action::ScanExpired(w) => Input::ScanExpired {
                attempt: w.of(flow),
            },
            Action::CameBack => Input::CameBack,
            Action::RedirectFailed(w) => Input::RedirectFailed {
                attempt: w.of(flow),
                detail: "storage full".into(),
            },
        }
    }
}

fn which() -> impl Strategy<Value = Which> {
    prop_oneof![6 => Just(Which::Current), 1 => Just(Which::Older), 1 => Just(Which::Newer)]
}

fn failure() -> impl Strategy<Value = ApiFailure> {
    prop_oneof![
        Just(ApiFailure::NoAnswer {
            detail: "offline".into(),
            online: false
        }),
        prop::sample::select(vec![400u16, 401, 403, 404, 409, 422, 429, 500, 502, 503]).prop_map(
            |status| ApiFailure::Http(ApiError {
                status,
                message: Some("pesan".into()),
                original_message: None,
                code: None,
            })
        ),
        Just(ApiFailure::Unexpected(socialchat_api::ParseError::new(
            "answer", "not JSON"
        ))),
        Just(ApiFailure::Session("no session".into())),
    ]
}

fn via() -> impl Strategy<Value = Option<Via>> {
    prop_oneof![
        4 => Just(Some(Via::Popup { opened: true })),
        1 => Just(Some(Via::Popup { opened: false })),
        1 => Just(Some(Via::Redirect)),
        1 => Just(None),
    ]
}

/// An answer: mostly what was asked for, sometimes a failure.
fn result<T: std::fmt::Debug + Clone + 'static>(
    ok: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Result<T, ApiFailure>> {
    prop_oneof![3 => ok.prop_map(Ok), 1 => failure().prop_map(Err)]
}

fn input() -> impl Strategy<Value = Action> {
    prop_oneof![
        via().prop_map(Action::Start),
        via().prop_map(Action::TryAgain),
        Just(Action::Cancel),
        Just(Action::Reset),
        (which(), result(Just(()))).prop_map(|(w, r)| Action::Authorized(w, r)),
        which().prop_map(Action::PopupClosed),
        (
            any::<bool>(),
            prop::sample::select(ChannelKind::ALL.to_vec())
        )
            .prop_map(|(a, k)| Action::Callback(a, k)),
        which().prop_map(Action::TimedOut),
        (which(), result((0u32..25, any::<bool>()))).prop_map(|(w, r)| Action::Accounts(w, r)),
        Just(Action::LoadMore),
        "[a-z ]{0,6}".prop_map(Action::Filter),
        (1u32..25).prop_map(Action::Select),
        prop::sample::select(vec![
            Move::Next(1),
            Move::Previous(1),
            Move::Next(7),
            Move::First,
            Move::Last
        ])
        .prop_map(Action::Move),
        Just(Action::Connect),
        (which(), result(any::<bool>())).prop_map(|(w, r)| Action::Connected(w, r)),
        (1u32..25).prop_map(Action::ReconnectAccount),
        prop_oneof![
            Just((Field::Name, "Toko Batik".to_owned())),
            Just((Field::Phone, "+62 812 3456 7890".to_owned())),
            Just((Field::BotToken, BOT_TOKEN.to_owned())),
            Just((Field::Website, "https://toko.example".to_owned())),
            (
                prop::sample::select(vec![
                    Field::Name,
                    Field::Phone,
                    Field::BotToken,
                    Field::Website
                ]),
                ".{0,20}"
            ),
        ]
        .prop_map(|(f, v)| Action::Edit(f, v)),
        Just(Action::Submit),
        (which(), result(any::<bool>())).prop_map(|(w, r)| Action::Channel(w, r)),
        which().prop_map(Action::PollDue),
        any::<bool>().prop_map(Action::PageHidden),
        which().prop_map(Action::ScanExpired),
        Just(Action::CameBack),
        which().prop_map(Action::RedirectFailed),
    ]
}

/// The inputs that end what a step waits for: the user's Cancel, Reset and Try again, and the
/// failure (or timer) that every pending call and wait ends with at the latest.
fn endings(flow: &Flow) -> Vec<Input> {
    let attempt = flow.attempt();
    let down = || ApiFailure::NoAnswer {
        detail: "timed out".into(),
        online: false,
    };
    vec![
        Input::Cancel,
        Input::Reset,
        Input::TryAgain { via: None },
        Input::TimedOut { attempt },
        Input::ScanExpired { attempt },
        Input::RedirectFailed {
            attempt,
            detail: "left".into(),
        },
        Input::AuthorizeAnswered {
            attempt,
            result: Err(down()),
        },
        Input::AccountsAnswered {
            attempt,
            result: Err(down()),
        },
        Input::ConnectAnswered {
            attempt,
            result: Err(down()),
        },
        Input::ChannelAnswered {
            attempt,
            result: Err(down()),
        },
    ]
}

/// Whether the flow gets back to its button within `depth` endings.
fn can_end(flow: &Flow, depth: usize) -> bool {
    if matches!(flow.step(), Step::Idle) {
        return true;
    }
    depth > 0
        && endings(flow).into_iter().any(|input| {
            let mut next = flow.clone();
            next.handle(input);
            can_end(&next, depth - 1)
        })
}

fn kind() -> impl Strategy<Value = (ChannelKind, bool)> {
    (
        prop::sample::select(ChannelKind::ALL.to_vec()),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_sequence_of_inputs_panics_sticks_or_leaks_a_token(
        (kind, reconnect) in kind(),
        inputs in prop::collection::vec(input(), 0..40),
    ) {
        let reconnect = (reconnect && kind != ChannelKind::Webchat)
            .then(|| ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c901").unwrap());
        let mut flow = Flow::new(kind, reconnect);
        for step in inputs {
            let input = step.input(&flow);
            let effects = flow.handle(input.clone());
            for effect in &effects {
                if let Effect::Emit(event) = effect {
                    let told = format!("{event:?}");
                    prop_assert!(!told.contains(TOKEN), "the token in {told}");
                    prop_assert!(!told.contains(BOT_TOKEN), "the bot token in {told}");
                }
            }
            prop_assert!(
                can_end(&flow, 3),
                "stuck in {:?} after {:?}",
                flow.step(),
                input
            );
        }
    }
}
