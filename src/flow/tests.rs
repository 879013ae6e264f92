//! Every transition of the flow, natively: the happy path, each failure and its Try again,
//! late, duplicate and out-of-order inputs, and redirect mode's resume.

use socialchat_api::callback::{CallbackFailure, CallbackOutcome};
use socialchat_api::{Account, ApiError};

use crate::i18n::Text;

use super::*;

const IG: ChannelKind = ChannelKind::Instagram;

fn token(s: &str) -> Token {
    Token::new(s).unwrap()
}

fn account(n: u32) -> Account {
    Account {
        name: format!("Akun {n}"),
        channel_id: ChannelId::new(format!("1784{n}")).unwrap(),
        picture: None,
        connected: false,
        reconnect: None,
        taken: false,
    }
}

fn page(range: std::ops::Range<u32>, next: Option<&str>) -> AccountPage {
    AccountPage {
        accounts: range.map(account).collect(),
        next_offset: next.map(|n| NextOffset::new(n).unwrap()),
    }
}

fn authorized(kind: ChannelKind, t: &str) -> Input {
    Input::Callback(CallbackMessage {
        channel: kind,
        outcome: CallbackOutcome::Authorized(token(t)),
    })
}

fn declined(error: &str, reason: Option<&str>) -> Input {
    Input::Callback(CallbackMessage {
        channel: IG,
        outcome: CallbackOutcome::Declined(CallbackFailure {
            error: error.into(),
            reason: reason.map(Into::into),
            description: None,
        }),
    })
}

fn http(status: u16) -> ApiFailure {
    ApiFailure::Http(ApiError {
        status,
        message: Some("pesan".into()),
        original_message: None,
        code: None,
    })
}

/// A channel as a connect or reconnect answer holds it.
fn channel(id: &str, channel_id: &str, name: &str) -> Channel {
    Channel {
        id: ChannelRecordId::new(id).unwrap(),
        name: name.into(),
        channel_id: Some(channel_id.into()),
        channel_type: socialchat_api::ChannelType::Instagram,
        is_connected: true,
        picture: None,
        disconnected_at: None,
        qrcode: None,
    }
}

fn start() -> Input {
    Input::Start {
        via: Some(Via::Popup { opened: true }),
        target: None,
    }
}

/// A connect flow brought to the Waiting step.
fn waiting() -> Flow {
    let mut flow = Flow::new(IG, None);
    assert_eq!(
        flow.handle(start()),
        vec![Effect::FetchAuthorize { attempt: 1 }]
    );
    let effects = flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb.test/dialog".into()),
    });
    assert_eq!(
        effects,
        vec![Effect::NavigatePopup {
            attempt: 1,
            url: "https://fb.test/dialog".into()
        }]
    );
    flow
}

/// A connect flow brought to the picker with accounts 1..=10 and a next page.
fn picking() -> Flow {
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(1..11, Some("n1"))),
    });
    flow
}

fn picker(flow: &Flow) -> &Picker {
    match flow.step() {
        Step::Picking(p) => p,
        other => panic!("not picking: {other:?}"),
    }
}

#[test]
fn the_happy_path_from_click_to_connected() {
    let mut flow = waiting();
    assert_eq!(
        flow.step(),
        &Step::Waiting {
            popup_closed: false
        }
    );
    let effects = flow.handle(authorized(IG, "tok"));
    assert_eq!(
        effects,
        vec![
            Effect::Acknowledge,
            Effect::ClosePopup,
            Effect::Emit(HostEvent::Authorized { channel: IG }),
            Effect::FetchAccounts {
                attempt: 1,
                token: token("tok"),
                offset: None
            },
        ]
    );
    assert_eq!(flow.step(), &Step::LoadingAccounts);
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(1..4, None)),
    });
    assert_eq!(picker(&flow).accounts.len(), 3);
    flow.handle(Input::Select(account(2).channel_id));
    let effects = flow.handle(Input::Connect);
    assert_eq!(
        effects,
        vec![Effect::PostConnect {
            attempt: 1,
            body: ConnectRequest::Account {
                channel_id: account(2).channel_id,
                token: token("tok"),
            },
        }]
    );
    // The flow builds the event from the account the user picked and the answer's `_id`.
    let connected = ConnectedChannel {
        channel: IG,
        channel_id: "17842".into(),
        name: "Akun 2".into(),
        picture: None,
        id: Some("66aa".into()),
        reconnected: false,
        receipt: None,
    };
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(channel("66aa", "17842", "Akun 2")),
            ticket: None,
            receipt: None,
        }),
    });
    assert_eq!(
        effects,
        vec![Effect::Emit(HostEvent::Connected(connected.clone()))]
    );
    assert_eq!(flow.step(), &Step::Done(connected));
    assert!(!flow.holds_token(), "the token is dropped once connected");
    flow.handle(Input::Reset);
    assert_eq!(flow.step(), &Step::Idle);
}

#[test]
fn a_blocked_popup_says_so_and_a_new_click_retries() {
    let mut flow = Flow::new(IG, None);
    let effects = flow.handle(Input::Start {
        via: Some(Via::Popup { opened: false }),
        target: None,
    });
    assert_eq!(flow.step(), &Step::PopupBlocked);
    assert!(
        matches!(&effects[..], [Effect::Emit(HostEvent::Error(e))] if e.code == ErrorCode::PopupBlocked)
    );
    assert!(flow.can_start());
    assert_eq!(
        flow.handle(start()),
        vec![Effect::FetchAuthorize { attempt: 2 }]
    );
}

#[test]
fn a_failed_authorize_closes_the_popup_and_offers_a_new_attempt() {
    let mut flow = Flow::new(IG, None);
    flow.handle(start());
    let effects = flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Err(ApiFailure::NoAnswer {
            detail: "offline".into(),
            online: false,
        }),
    });
    let error = FlowError::new(ErrorCode::Network, None, "offline");
    assert_eq!(
        effects,
        vec![
            Effect::ClosePopup,
            Effect::Emit(HostEvent::Error(error.clone()))
        ]
    );
    assert_eq!(
        flow.step(),
        &Step::Failed {
            error,
            retry: Retry::Authorize
        }
    );
    assert!(flow.can_start());
}

#[test]
fn callbacks_are_ignored_unless_waiting() {
    let mut idle = Flow::new(IG, None);
    assert!(idle.handle(authorized(IG, "early")).is_empty());
    assert_eq!(idle.step(), &Step::Idle);
    let mut opening = Flow::new(IG, None);
    opening.handle(start());
    assert!(opening.handle(authorized(IG, "early")).is_empty());
    assert_eq!(opening.step(), &Step::Opening);
}

#[test]
fn a_duplicate_callback_is_acted_on_once() {
    let mut flow = waiting();
    let first = flow.handle(authorized(IG, "tok"));
    assert_eq!(first.len(), 4);
    assert!(
        flow.handle(authorized(IG, "tok")).is_empty(),
        "second delivery ignored"
    );
    assert!(
        flow.handle(authorized(IG, "other")).is_empty(),
        "a late different token ignored"
    );
}

#[test]
fn a_callback_for_another_channel_kind_is_ignored() {
    let mut flow = waiting();
    assert!(flow
        .handle(authorized(ChannelKind::Messenger, "tok"))
        .is_empty());
    assert_eq!(
        flow.step(),
        &Step::Waiting {
            popup_closed: false
        }
    );
}

#[test]
fn a_closed_popup_is_told_at_once_and_still_completes_when_the_callback_arrives() {
    let mut flow = waiting();
    assert_eq!(
        flow.handle(Input::PopupClosed { attempt: 1 }),
        vec![Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::PopupClosed
        })],
        "the host page learns that the user left when the popup closes"
    );
    assert_eq!(flow.step(), &Step::Waiting { popup_closed: true });
    assert!(
        flow.handle(Input::PopupClosed { attempt: 1 }).is_empty(),
        "told once"
    );
    assert!(flow.can_start(), "Try again is offered");
    let effects = flow.handle(authorized(IG, "tok"));
    assert!(effects.contains(&Effect::Emit(HostEvent::Authorized { channel: IG })));
    assert_eq!(flow.step(), &Step::LoadingAccounts);
}

#[test]
fn trying_again_after_a_closed_popup_starts_over_without_a_second_cancellation() {
    let mut flow = waiting();
    flow.handle(Input::PopupClosed { attempt: 1 });
    let effects = flow.handle(start());
    assert_eq!(effects, vec![Effect::FetchAuthorize { attempt: 2 }]);
    // The first attempt's late authorize answer is ignored.
    assert!(flow
        .handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://old".into())
        })
        .is_empty());
}

#[test]
fn one_attempt_tells_one_cancellation() {
    let cancellations = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Emit(HostEvent::Cancelled { .. })))
            .count()
    };
    // A closed popup, then Cancel: told when it closed, not again.
    let mut flow = waiting();
    assert_eq!(
        cancellations(&flow.handle(Input::PopupClosed { attempt: 1 })),
        1
    );
    assert_eq!(cancellations(&flow.handle(Input::Cancel)), 0);
    assert_eq!(flow.step(), &Step::Idle);
    // A closed popup, then the authorization times out.
    let mut flow = waiting();
    flow.handle(Input::PopupClosed { attempt: 1 });
    let effects = flow.handle(Input::TimedOut { attempt: 1 });
    assert_eq!(cancellations(&effects), 0);
    assert_eq!(flow.step(), &Step::Stopped(CancelReason::Timeout));
    // A denial, then Cancel.
    let mut flow = waiting();
    assert_eq!(
        cancellations(&flow.handle(declined("access_denied", Some("user_denied")))),
        1
    );
    assert_eq!(cancellations(&flow.handle(Input::Cancel)), 0);
    // A popup that reads closed (Facebook severed it), then the user declines there after all:
    // told once, when it closed.
    let mut flow = waiting();
    assert_eq!(
        cancellations(&flow.handle(Input::PopupClosed { attempt: 1 })),
        1
    );
    assert_eq!(
        cancellations(&flow.handle(declined("access_denied", Some("user_denied")))),
        0
    );
    assert_eq!(flow.step(), &Step::Stopped(CancelReason::Denied));
    assert_eq!(cancellations(&flow.handle(Input::Cancel)), 0);
    // A closed popup, then a failed callback, then Cancel.
    let mut flow = waiting();
    flow.handle(Input::PopupClosed { attempt: 1 });
    flow.handle(declined("server_error", None));
    assert_eq!(cancellations(&flow.handle(Input::Cancel)), 0);
    // The next attempt tells its own.
    flow.handle(start());
    flow.handle(Input::AuthorizeAnswered {
        attempt: flow.attempt(),
        result: Ok("https://facebook.example/dialog".into()),
    });
    assert_eq!(
        cancellations(&flow.handle(Input::PopupClosed {
            attempt: flow.attempt()
        })),
        1
    );
    // An error, then Cancel: the user gave up.
    let mut flow = waiting();
    flow.handle(declined("server_error", None));
    assert_eq!(
        flow.handle(Input::Cancel),
        vec![Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::User
        })]
    );
}

#[test]
fn a_popup_closed_before_facebook_loaded_cancels() {
    let mut flow = Flow::new(IG, None);
    flow.handle(start());
    let effects = flow.handle(Input::PopupClosed { attempt: 1 });
    assert_eq!(
        effects,
        vec![Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::PopupClosed
        })]
    );
    assert_eq!(flow.step(), &Step::Idle);
}

#[test]
fn denial_is_a_cancellation_and_a_tokenless_callback_an_error() {
    let mut flow = waiting();
    let effects = flow.handle(declined("access_denied", Some("user_denied")));
    assert!(effects.contains(&Effect::Emit(HostEvent::Cancelled {
        reason: CancelReason::Denied
    })));
    assert_eq!(flow.step(), &Step::Stopped(CancelReason::Denied));
    assert!(flow.can_start());

    let mut flow = waiting();
    flow.handle(declined("missing_token", None));
    assert!(matches!(
        flow.step(),
        Step::Failed { error, retry: Retry::Authorize } if error.code == ErrorCode::AuthorizationFailed
    ));
}

#[test]
fn timing_out_stops_the_attempt_and_a_late_timer_is_ignored() {
    let mut flow = waiting();
    assert!(flow.handle(Input::TimedOut { attempt: 0 }).is_empty());
    let effects = flow.handle(Input::TimedOut { attempt: 1 });
    assert_eq!(
        effects,
        vec![
            Effect::ClosePopup,
            Effect::Emit(HostEvent::Cancelled {
                reason: CancelReason::Timeout
            })
        ]
    );
    assert_eq!(flow.step(), &Step::Stopped(CancelReason::Timeout));
    assert!(
        flow.handle(authorized(IG, "late")).is_empty(),
        "too late now"
    );
}

#[test]
fn cancel_while_waiting_closes_the_popup_and_makes_answers_stale() {
    let mut flow = Flow::new(IG, None);
    flow.handle(start());
    let effects = flow.handle(Input::Cancel);
    assert_eq!(
        effects,
        vec![
            Effect::ClosePopup,
            Effect::Emit(HostEvent::Cancelled {
                reason: CancelReason::User
            })
        ]
    );
    assert!(flow
        .handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://x".into())
        })
        .is_empty());
    assert_eq!(flow.step(), &Step::Idle);
}

#[test]
fn load_more_appends_the_next_page_once_at_a_time() {
    let mut flow = picking();
    assert_eq!(picker(&flow).accounts.len(), 10);
    let effects = flow.handle(Input::LoadMore);
    assert_eq!(
        effects,
        vec![Effect::FetchAccounts {
            attempt: 1,
            token: token("tok"),
            offset: Some(NextOffset::new("n1").unwrap())
        }]
    );
    assert!(
        flow.handle(Input::LoadMore).is_empty(),
        "no second request while one is in flight"
    );
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(11..21, Some("n2"))),
    });
    assert_eq!(picker(&flow).accounts.len(), 20);
    flow.handle(Input::LoadMore);
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(20..24, None)),
    });
    let p = picker(&flow);
    assert_eq!(
        p.accounts.len(),
        23,
        "an overlapping account is not listed twice"
    );
    assert!(!p.has_more());
    assert!(flow.handle(Input::LoadMore).is_empty());
}

#[test]
fn a_failed_load_more_keeps_the_list_and_can_be_retried() {
    let mut flow = picking();
    flow.handle(Input::LoadMore);
    let effects = flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Err(http(500)),
    });
    let error = FlowError::from_failure(Stage::Accounts, http(500));
    assert_eq!(effects, vec![Effect::Emit(HostEvent::Error(error.clone()))]);
    let p = picker(&flow);
    assert_eq!((p.accounts.len(), p.more_error.clone()), (10, Some(error)));
    assert_eq!(
        flow.handle(Input::LoadMore).len(),
        1,
        "Load more works again"
    );
}

#[test]
fn search_filters_the_loaded_accounts_case_insensitively() {
    let mut flow = picking();
    flow.handle(Input::Filter("AKUN 1".into()));
    let names: Vec<_> = picker(&flow).visible().map(|a| a.name.clone()).collect();
    assert_eq!(names, ["Akun 1", "Akun 10"]);
    flow.handle(Input::Filter("  ".into()));
    assert_eq!(picker(&flow).visible_count(), 10);
    flow.handle(Input::Filter("zzz".into()));
    assert_eq!(picker(&flow).visible_count(), 0);
}

#[test]
fn connect_needs_a_selection_and_fires_once() {
    let mut flow = picking();
    assert!(flow.handle(Input::Connect).is_empty(), "nothing chosen yet");
    flow.handle(Input::Select(ChannelId::new("999").unwrap()));
    assert_eq!(
        picker(&flow).selected,
        None,
        "an unknown id is not selectable"
    );
    flow.handle(Input::Select(account(3).channel_id));
    assert_eq!(flow.handle(Input::Connect).len(), 1);
    assert!(
        flow.handle(Input::Connect).is_empty(),
        "a double click connects once"
    );
    assert!(matches!(flow.step(), Step::Connecting { .. }));
}

#[test]
fn a_single_account_is_chosen_for_the_user() {
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(7..8, None)),
    });
    assert_eq!(picker(&flow).selected, Some(account(7).channel_id));
}

#[test]
fn an_empty_list_lets_the_user_authorize_again() {
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(0..0, None)),
    });
    assert!(picker(&flow).accounts.is_empty());
    assert!(flow.can_start());
    assert!(!flow.holds_token());
    assert_eq!(
        flow.handle(start()),
        vec![Effect::FetchAuthorize { attempt: 2 }]
    );
}

#[test]
fn a_failed_connect_returns_to_the_picker_with_the_choice_kept() {
    let mut flow = picking();
    flow.handle(Input::Select(account(3).channel_id));
    flow.handle(Input::Connect);
    flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(http(409)),
    });
    let p = picker(&flow);
    assert_eq!(p.selected, Some(account(3).channel_id));
    let error = p.connect_error.clone().unwrap();
    assert_eq!(
        error.code,
        ErrorCode::AlreadyConnected,
        "the flow knows a connect was pending"
    );
    assert_eq!(
        flow.handle(Input::Connect).len(),
        1,
        "Connect can be pressed again"
    );
}

#[test]
fn an_expired_token_sends_the_user_back_to_authorization() {
    for stage_of_failure in ["accounts", "more", "connect"] {
        let mut flow = picking();
        match stage_of_failure {
            "accounts" => {
                let mut fresh = waiting();
                fresh.handle(authorized(IG, "tok"));
                fresh.handle(Input::AccountsAnswered {
                    attempt: 1,
                    result: Err(http(401)),
                });
                flow = fresh;
            }
            "more" => {
                flow.handle(Input::LoadMore);
                flow.handle(Input::AccountsAnswered {
                    attempt: 1,
                    result: Err(http(401)),
                });
            }
            _ => {
                flow.handle(Input::Select(account(1).channel_id));
                flow.handle(Input::Connect);
                flow.handle(Input::ConnectAnswered {
                    attempt: 1,
                    result: Err(http(401)),
                });
            }
        }
        assert!(
            matches!(flow.step(), Step::Failed { error, retry: Retry::Authorize } if error.code == ErrorCode::TokenExpired),
            "{stage_of_failure}: {:?}",
            flow.step()
        );
        assert!(
            !flow.holds_token(),
            "{stage_of_failure}: the dead token is dropped"
        );
        assert!(flow.can_start());
    }
}

#[test]
fn a_failed_first_page_retries_with_the_same_token() {
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Err(http(500)),
    });
    assert!(!flow.can_start(), "no new popup needed");
    assert!(!flow.try_again_authorizes());
    assert!(
        flow.handle(Input::TryAgain {
            via: Some(Via::Popup { opened: true })
        })
        .len()
            == 1,
        "a popup opened anyway is not used for a new authorization"
    );
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Err(http(500)),
    });
    assert_eq!(
        flow.handle(Input::TryAgain { via: None }),
        vec![Effect::FetchAccounts {
            attempt: 1,
            token: token("tok"),
            offset: None
        }]
    );
    assert_eq!(flow.step(), &Step::LoadingAccounts);
}

#[test]
fn reconnect_posts_the_token_for_the_channel_without_a_picker() {
    let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap();
    let mut flow = Flow::new(IG, Some(id.clone()));
    flow.handle(start());
    flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb".into()),
    });
    let effects = flow.handle(authorized(IG, "tok"));
    assert_eq!(
        effects.last(),
        Some(&Effect::PostReconnect {
            attempt: 1,
            id: id.clone(),
            body: ReconnectRequest::Authorization {
                token: token("tok"),
            },
        })
    );
    assert_eq!(flow.step(), &Step::Connecting { picker: None });
    flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(ApiFailure::NoAnswer {
            detail: "offline".into(),
            online: false,
        }),
    });
    assert!(matches!(
        flow.step(),
        Step::Failed { error, retry: Retry::Reconnect } if error.code == ErrorCode::Network
    ));
    assert_eq!(
        flow.handle(Input::TryAgain { via: None }),
        vec![Effect::PostReconnect {
            attempt: 1,
            id,
            body: ReconnectRequest::Authorization {
                token: token("tok"),
            },
        }]
    );
}

#[test]
fn a_reconnect_from_the_channel_list_overrides_the_target_for_one_attempt() {
    let mut flow = Flow::new(IG, None);
    let id = ChannelRecordId::new("abc").unwrap();
    flow.handle(Input::Start {
        via: Some(Via::Popup { opened: true }),
        target: Some(Target::Reconnect {
            id: id.clone(),
            name: Some("Kopi".into()),
        }),
    });
    assert!(matches!(flow.target(), Target::Reconnect { .. }));
    flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb".into()),
    });
    flow.handle(authorized(IG, "tok"));
    // An answer without a name: the flow names the channel from the list's row.
    let mut answer = channel("abc", "1", "");
    answer.picture = Some("https://cdn.test/k.png".into());
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(answer),
            ticket: None,
            receipt: None,
        }),
    });
    let done = ConnectedChannel {
        channel: IG,
        channel_id: "1".into(),
        name: "Kopi".into(),
        picture: Some("https://cdn.test/k.png".into()),
        id: Some("abc".into()),
        reconnected: true,
        receipt: None,
    };
    assert_eq!(effects, vec![Effect::Emit(HostEvent::Connected(done))]);
    flow.handle(Input::Reset);
    assert_eq!(flow.target(), &Target::Connect);
}

#[test]
fn out_of_order_answers_from_old_attempts_are_ignored() {
    let mut flow = picking();
    flow.handle(Input::Cancel);
    flow.handle(start());
    assert!(flow
        .handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(1..3, None))
        })
        .is_empty());
    assert!(flow
        .handle(Input::ConnectAnswered {
            attempt: 1,
            result: Err(ApiFailure::NoAnswer {
                detail: "x".into(),
                online: false
            })
        })
        .is_empty());
    assert_eq!(flow.step(), &Step::Opening);
}

fn resume_with(message: CallbackMessage, target: Target) -> Input {
    Input::Resume(Resume::Continue { target, message })
}

fn message(kind: ChannelKind, t: &str) -> CallbackMessage {
    CallbackMessage {
        channel: kind,
        outcome: CallbackOutcome::Authorized(token(t)),
    }
}

#[test]
fn redirect_mode_fetches_the_url_then_leaves_the_page_without_the_token() {
    let mut flow = Flow::new(IG, None);
    let effects = flow.handle(Input::Start {
        via: Some(Via::Redirect),
        target: None,
    });
    assert_eq!(effects, vec![Effect::FetchAuthorize { attempt: 1 }]);
    assert_eq!(flow.step(), &Step::Opening);
    let effects = flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb.test/dialog".into()),
    });
    assert_eq!(
        effects,
        vec![Effect::Redirect {
            attempt: 1,
            url: "https://fb.test/dialog".into(),
            target: Target::Connect
        }]
    );
    assert_eq!(flow.step(), &Step::Redirecting);
    assert!(!flow.can_start(), "no second click while the page leaves");
    assert!(flow.handle(Input::Cancel).is_empty());
    assert!(
        flow.handle(authorized(IG, "tok")).is_empty(),
        "no popup callback while redirecting"
    );
}

#[test]
fn a_redirect_that_cannot_be_saved_fails_with_a_new_authorization() {
    let mut flow = Flow::new(IG, None);
    flow.handle(Input::Start {
        via: Some(Via::Redirect),
        target: None,
    });
    flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb.test/dialog".into()),
    });
    let effects = flow.handle(Input::RedirectFailed {
        attempt: 1,
        detail: "sessionStorage is off".into(),
    });
    let error = FlowError::new(ErrorCode::ResumeFailed, None, "sessionStorage is off");
    assert_eq!(effects, vec![Effect::Emit(HostEvent::Error(error))]);
    assert!(flow.can_start());
}

#[test]
fn a_resumed_redirect_continues_at_the_picker() {
    let mut flow = Flow::new(IG, None);
    let effects = flow.handle(resume_with(message(IG, "tok"), Target::Connect));
    assert_eq!(
        effects,
        vec![
            Effect::Emit(HostEvent::Authorized { channel: IG }),
            Effect::FetchAccounts {
                attempt: 1,
                token: token("tok"),
                offset: None
            }
        ]
    );
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(1..3, None)),
    });
    assert_eq!(picker(&flow).accounts.len(), 2);
    // Only once, and only from the button's step.
    assert!(flow
        .handle(resume_with(message(IG, "tok2"), Target::Connect))
        .is_empty());
}

#[test]
fn a_resumed_reconnect_posts_the_reconnect() {
    let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap();
    let target = Target::Reconnect {
        id: id.clone(),
        name: Some("Kopi".into()),
    };
    let mut flow = Flow::new(IG, None);
    let effects = flow.handle(resume_with(message(IG, "tok"), target.clone()));
    assert_eq!(
        effects[1],
        Effect::PostReconnect {
            attempt: 1,
            id,
            body: ReconnectRequest::Authorization {
                token: token("tok"),
            },
        }
    );
    assert_eq!(flow.target(), &target);
}

#[test]
fn a_resume_that_cannot_continue_says_so_and_offers_a_new_start() {
    for (resume, code) in [
        (
            Resume::Lost {
                target: Target::Connect,
                why: crate::redirect::Lost::NoCallback,
            },
            Some(ErrorCode::ResumeFailed),
        ),
        (
            Resume::Continue {
                target: Target::Connect,
                message: message(ChannelKind::Messenger, "tok"),
            },
            Some(ErrorCode::ResumeFailed),
        ),
        (
            Resume::Expired {
                target: Target::Connect,
            },
            None,
        ),
    ] {
        let mut flow = Flow::new(IG, None);
        let effects = flow.handle(Input::Resume(resume));
        match code {
            Some(code) => {
                assert!(
                    matches!(&effects[..], [Effect::Emit(HostEvent::Error(e))] if e.code == code)
                );
                assert!(matches!(
                    flow.step(),
                    Step::Failed {
                        retry: Retry::Authorize,
                        ..
                    }
                ));
            }
            None => {
                assert_eq!(
                    effects,
                    vec![Effect::Emit(HostEvent::Cancelled {
                        reason: CancelReason::Timeout
                    })]
                );
                assert_eq!(flow.step(), &Step::Stopped(CancelReason::Timeout));
            }
        }
        assert!(!flow.holds_token());
        assert!(flow.can_start(), "Start again is offered");
    }
    let mut flow = Flow::new(IG, None);
    assert!(flow.handle(Input::Resume(Resume::NotMine)).is_empty());
    assert_eq!(flow.step(), &Step::Idle);
}

#[test]
fn a_declined_redirect_is_a_cancellation() {
    let mut flow = Flow::new(IG, None);
    let declined = CallbackMessage {
        channel: IG,
        outcome: CallbackOutcome::Declined(CallbackFailure {
            error: "access_denied".into(),
            reason: Some("user_denied".into()),
            description: None,
        }),
    };
    let effects = flow.handle(resume_with(declined, Target::Connect));
    assert_eq!(
        effects,
        vec![Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::Denied
        })]
    );
}

#[test]
fn try_again_after_a_failed_reconnect_authorizes_the_same_channel_again() {
    let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap();
    let target = Target::Reconnect {
        id: id.clone(),
        name: Some("Kopi".into()),
    };
    let mut flow = Flow::new(IG, None);
    flow.handle(Input::Start {
        via: Some(Via::Popup { opened: true }),
        target: Some(target.clone()),
    });
    flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb".into()),
    });
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(http(400)),
    });
    assert!(flow.try_again_authorizes());
    assert!(
        flow.handle(Input::TryAgain { via: None }).is_empty(),
        "without a popup nothing can start"
    );
    let effects = flow.handle(Input::TryAgain {
        via: Some(Via::Popup { opened: true }),
    });
    assert_eq!(effects, vec![Effect::FetchAuthorize { attempt: 2 }]);
    assert_eq!(
        flow.target(),
        &target,
        "the flow kept the channel to reconnect"
    );
    flow.handle(Input::AuthorizeAnswered {
        attempt: 2,
        result: Ok("https://fb".into()),
    });
    let effects = flow.handle(authorized(IG, "tok2"));
    assert_eq!(
        effects.last(),
        Some(&Effect::PostReconnect {
            attempt: 2,
            id,
            body: ReconnectRequest::Authorization {
                token: token("tok2"),
            },
        })
    );
}

#[test]
fn try_again_after_a_stop_or_a_blocked_popup_starts_a_new_authorization() {
    let mut stopped = waiting();
    stopped.handle(declined("access_denied", Some("user_denied")));
    let mut blocked = Flow::new(IG, None);
    blocked.handle(Input::Start {
        via: Some(Via::Popup { opened: false }),
        target: None,
    });
    let mut closed = waiting();
    closed.handle(Input::PopupClosed { attempt: 1 });
    for mut flow in [stopped, blocked, closed] {
        assert!(flow.try_again_authorizes(), "{:?}", flow.step());
        let effects = flow.handle(Input::TryAgain {
            via: Some(Via::Redirect),
        });
        assert_eq!(effects.last(), Some(&Effect::FetchAuthorize { attempt: 2 }));
        assert!(flow.is_redirect());
    }
}

#[test]
fn a_connect_answer_without_a_channel_still_names_the_picked_account() {
    let mut flow = picking();
    flow.handle(Input::Select(account(4).channel_id));
    flow.handle(Input::Connect);
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected::default()),
    });
    let Some(Effect::Emit(HostEvent::Connected(done))) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (
            done.name.as_str(),
            done.channel_id.as_str(),
            done.id.clone()
        ),
        ("Akun 4", "17844", None)
    );
}

#[test]
fn a_page_restored_while_leaving_for_facebook_says_the_redirect_did_not_finish() {
    let mut flow = Flow::new(IG, None);
    assert!(
        flow.handle(Input::CameBack).is_empty(),
        "only while leaving"
    );
    flow.handle(Input::Start {
        via: Some(Via::Redirect),
        target: None,
    });
    flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb.test/dialog".into()),
    });
    let effects = flow.handle(Input::CameBack);
    assert!(
        matches!(&effects[..], [Effect::Emit(HostEvent::Error(e))] if e.code == ErrorCode::ResumeFailed)
    );
    assert!(flow.can_start());
    assert!(flow.try_again_authorizes());
}

#[test]
fn answers_are_classified_by_the_call_the_flow_was_waiting_for() {
    // The same 409 is "already connected" for a connect and a plain failure for a reconnect.
    let mut connect = picking();
    connect.handle(Input::Select(account(1).channel_id));
    connect.handle(Input::Connect);
    connect.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(http(409)),
    });
    assert_eq!(
        picker(&connect).connect_error.as_ref().map(|e| e.code),
        Some(ErrorCode::AlreadyConnected)
    );
    let mut reconnect = Flow::new(IG, Some(ChannelRecordId::new("abc").unwrap()));
    reconnect.handle(start());
    reconnect.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Ok("https://fb".into()),
    });
    reconnect.handle(authorized(IG, "tok"));
    reconnect.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(http(409)),
    });
    assert!(matches!(
        reconnect.step(),
        Step::Failed { error, .. } if error.code == ErrorCode::ReconnectFailed
    ));
    // A 401 on authorize is the partner's setup, not an expired token.
    let mut flow = Flow::new(IG, None);
    flow.handle(start());
    flow.handle(Input::AuthorizeAnswered {
        attempt: 1,
        result: Err(http(401)),
    });
    assert!(matches!(
        flow.step(),
        Step::Failed { error, .. } if error.code == ErrorCode::AuthorizeFailed
    ));
}

// --- The kinds connected through a form ------------------------------------------------------

const BOT: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

fn whatsapp_channel(id: &str, connected: bool, qrcode: Option<&str>) -> Channel {
    Channel {
        id: ChannelRecordId::new(id).unwrap(),
        name: "Toko Batik".into(),
        channel_id: connected.then(|| "6281234567890".to_owned()),
        channel_type: socialchat_api::ChannelType::Linkchat,
        is_connected: connected,
        picture: None,
        disconnected_at: None,
        qrcode: qrcode.map(Into::into),
    }
}

fn form_start() -> Input {
    Input::Start {
        via: None,
        target: None,
    }
}

fn edit(field: Field, value: &str) -> Input {
    Input::Edit {
        field,
        value: value.into(),
    }
}

/// A WhatsApp widget whose new number shows its QR code (the first poll in flight).
fn scanning() -> Flow {
    let mut flow = Flow::new(ChannelKind::Whatsapp, None);
    assert!(!flow.authorizes(), "no popup for WhatsApp");
    flow.handle(form_start());
    flow.handle(edit(Field::Name, "Toko Batik"));
    flow.handle(edit(Field::Phone, "0812-3456-7890"));
    let effects = flow.handle(Input::Submit);
    assert!(matches!(
        &effects[..],
        [Effect::PostConnect {
            body: ConnectRequest::Whatsapp { .. },
            ..
        }]
    ));
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(whatsapp_channel("66b0", false, None)),
            ticket: Some("900.abc".into()),
            receipt: None,
        }),
    });
    assert_eq!(
        effects,
        vec![
            Effect::FetchChannel {
                attempt: 1,
                id: ChannelRecordId::new("66b0").unwrap(),
                ticket: Some("900.abc".into())
            },
            Effect::StartScanTimer {
                attempt: 1,
                after_ms: SCAN_TIMEOUT_MS
            }
        ]
    );
    flow
}

fn scan_of(flow: &Flow) -> &Scan {
    flow.scanning()
        .unwrap_or_else(|| panic!("not scanning: {:?}", flow.step()))
}

#[test]
fn a_whatsapp_number_is_created_shown_as_a_qr_code_and_connected_once_scanned() {
    let mut flow = scanning();
    let effects = flow.handle(Input::ChannelAnswered {
        attempt: 1,
        result: Ok(polled(whatsapp_channel(
            "66b0",
            false,
            Some("data:image/png;base64,AAAA"),
        ))),
    });
    assert_eq!(
        effects,
        vec![Effect::SchedulePoll {
            attempt: 1,
            poll: 2,
            after_ms: POLL_MS
        }]
    );
    assert_eq!(
        scan_of(&flow).qrcode.as_deref(),
        Some("data:image/png;base64,AAAA")
    );
    assert!(
        flow.handle(Input::PollDue {
            attempt: 1,
            poll: 1
        })
        .is_empty(),
        "a stale timer"
    );
    assert!(matches!(
        &flow.handle(Input::PollDue {
            attempt: 1,
            poll: 2
        })[..],
        [Effect::FetchChannel {
            ticket: Some(_),
            ..
        }]
    ));
    let effects = flow.handle(Input::ChannelAnswered {
        attempt: 1,
        result: Ok(polled(whatsapp_channel("66b0", true, None))),
    });
    let [Effect::Emit(HostEvent::Connected(done))] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(done.channel, ChannelKind::Whatsapp);
    assert_eq!(
        (done.name.as_str(), done.reconnected),
        ("Toko Batik", false)
    );
    assert_eq!(done.id.as_deref(), Some("66b0"));
    assert!(matches!(flow.step(), Step::Done(_)));
}

#[test]
fn a_wrong_form_says_which_fields_and_sends_nothing() {
    let mut flow = Flow::new(ChannelKind::Whatsapp, None);
    flow.handle(form_start());
    flow.handle(edit(Field::Phone, "12345"));
    assert!(flow.handle(Input::Submit).is_empty());
    let Step::Form(form) = flow.step() else {
        panic!("{:?}", flow.step());
    };
    assert_eq!(form.problem(Field::Name), Some(Text::InvalidName));
    assert_eq!(form.problem(Field::Phone), Some(Text::InvalidPhone));
}

#[test]
fn a_qr_code_not_scanned_in_time_stops_and_try_again_shows_the_same_number() {
    let mut flow = scanning();
    assert!(flow.handle(Input::ScanExpired { attempt: 0 }).is_empty());
    let effects = flow.handle(Input::ScanExpired { attempt: 1 });
    assert_eq!(
        effects,
        vec![Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::Timeout
        })]
    );
    assert!(!flow.try_again_authorizes());
    let effects = flow.handle(Input::TryAgain { via: None });
    assert!(
        matches!(&effects[0], Effect::FetchChannel { attempt: 2, id, ticket: Some(_) } if id.as_str() == "66b0"),
        "{effects:?}"
    );
    // The first attempt's late answer changes nothing.
    assert!(flow
        .handle(Input::ChannelAnswered {
            attempt: 1,
            result: Ok(polled(whatsapp_channel("66b0", true, None)))
        })
        .is_empty());
    assert!(scan_of(&flow).creating, "still the number made here");
}

#[test]
fn polling_slows_down_while_the_page_is_hidden_and_refreshes_when_it_is_shown() {
    let mut flow = scanning();
    flow.handle(Input::PageHidden(true));
    let effects = flow.handle(Input::ChannelAnswered {
        attempt: 1,
        result: Ok(polled(whatsapp_channel(
            "66b0",
            false,
            Some("data:image/png;base64,AAAA"),
        ))),
    });
    assert!(matches!(
        &effects[..],
        [Effect::SchedulePoll { after_ms, .. }] if *after_ms == HIDDEN_POLL_MS
    ));
    let effects = flow.handle(Input::PageHidden(false));
    assert!(
        matches!(&effects[..], [Effect::FetchChannel { .. }]),
        "at once"
    );
    assert!(
        flow.handle(Input::PollDue {
            attempt: 1,
            poll: 2
        })
        .is_empty(),
        "the slow timer is stale now"
    );
}

#[test]
fn failed_polls_are_retried_a_few_times_then_stop_and_a_refusal_stops_at_once() {
    let mut flow = scanning();
    for n in 1..MAX_FAILED_POLLS {
        let effects = flow.handle(Input::ChannelAnswered {
            attempt: 1,
            result: Err(ApiFailure::NoAnswer {
                detail: "offline".into(),
                online: false,
            }),
        });
        assert!(
            matches!(&effects[..], [Effect::SchedulePoll { .. }]),
            "poll {n}"
        );
        assert!(scan_of(&flow).trouble.is_some());
        flow.handle(Input::PollDue {
            attempt: 1,
            poll: flow.poll,
        });
    }
    let effects = flow.handle(Input::ChannelAnswered {
        attempt: 1,
        result: Err(ApiFailure::NoAnswer {
            detail: "offline".into(),
            online: false,
        }),
    });
    assert!(
        matches!(&effects[..], [Effect::Emit(HostEvent::Error(e))] if e.code == ErrorCode::Network)
    );
    assert!(matches!(flow.step(), Step::Failed { .. }));

    let mut flow = scanning();
    flow.handle(Input::ChannelAnswered {
        attempt: 1,
        result: Err(http(403)),
    });
    assert!(
        matches!(flow.step(), Step::Failed { error, .. } if error.code == ErrorCode::ChannelFailed)
    );
}

#[test]
fn cancel_stops_the_scan_and_its_late_answers() {
    let mut flow = scanning();
    assert_eq!(
        flow.handle(Input::Cancel),
        vec![Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::User
        })]
    );
    assert!(flow
        .handle(Input::ChannelAnswered {
            attempt: 1,
            result: Ok(polled(whatsapp_channel("66b0", true, None)))
        })
        .is_empty());
    assert!(flow
        .handle(Input::PollDue {
            attempt: 1,
            poll: 1
        })
        .is_empty());
    assert_eq!(flow.step(), &Step::Idle);
}

#[test]
fn a_broken_whatsapp_channel_shows_its_code_at_once_and_reconnects() {
    let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c906").unwrap();
    let mut flow = Flow::new(ChannelKind::Whatsapp, None);
    let effects = flow.handle(Input::Start {
        via: None,
        target: Some(Target::Reconnect {
            id: id.clone(),
            name: Some("WhatsApp Toko".into()),
        }),
    });
    assert!(matches!(
        &effects[0],
        Effect::FetchChannel { ticket: None, .. }
    ));
    let effects = flow.handle(Input::ChannelAnswered {
        attempt: 1,
        result: Ok(polled(whatsapp_channel(
            "65f0a1b2c3d4e5f6a7b8c906",
            true,
            None,
        ))),
    });
    let [Effect::Emit(HostEvent::Connected(done))] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert!(done.reconnected);
}

#[test]
fn a_telegram_bot_token_is_sent_once_and_forgotten_and_a_refusal_says_so() {
    let mut flow = Flow::new(ChannelKind::Telegram, None);
    flow.handle(form_start());
    flow.handle(edit(Field::BotToken, BOT));
    let effects = flow.handle(Input::Submit);
    assert!(matches!(
        &effects[..],
        [Effect::PostConnect { body: ConnectRequest::Telegram { token }, .. }] if token.expose() == BOT
    ));
    let Step::Sending { form } = flow.step() else {
        panic!("{:?}", flow.step());
    };
    assert_eq!(form.value(Field::BotToken), "", "forgotten once sent");
    flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(http(400)),
    });
    let Step::Form(form) = flow.step() else {
        panic!("{:?}", flow.step());
    };
    assert_eq!(
        form.error.as_ref().map(|e| e.code),
        Some(ErrorCode::BotTokenRefused)
    );
    assert_eq!(form.value(Field::BotToken), "");
    flow.handle(edit(Field::BotToken, BOT));
    flow.handle(Input::Submit);
    let mut bot = whatsapp_channel("66c0", true, None);
    bot.name = "Bot CS".into();
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(bot),
            ticket: None,
            receipt: None,
        }),
    });
    assert!(matches!(
        &effects[..],
        [Effect::Emit(HostEvent::Connected(done))] if done.channel == ChannelKind::Telegram && done.name == "Bot CS"
    ));
}

#[test]
fn a_telegram_reconnect_sends_the_bots_token_for_the_channel() {
    let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c904").unwrap();
    let mut flow = Flow::new(ChannelKind::Telegram, Some(id.clone()));
    flow.handle(form_start());
    flow.handle(edit(Field::BotToken, BOT));
    let effects = flow.handle(Input::Submit);
    assert!(matches!(
        &effects[..],
        [Effect::PostReconnect { id: i, body: ReconnectRequest::Telegram { .. }, .. }] if *i == id
    ));
}

#[test]
fn a_webchat_is_created_from_its_form() {
    let mut flow = Flow::new(ChannelKind::Webchat, None);
    flow.handle(form_start());
    flow.handle(edit(Field::Name, "Chat Toko"));
    flow.handle(edit(Field::Website, "toko.example"));
    let effects = flow.handle(Input::Submit);
    assert!(matches!(
        &effects[..],
        [Effect::PostConnect { body: ConnectRequest::Webchat { website_url, .. }, .. }]
            if website_url.as_str() == "https://toko.example"
    ));
    let mut chat = whatsapp_channel("66d0", true, None);
    chat.name = "Chat Toko".into();
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(chat),
            ticket: None,
            receipt: None,
        }),
    });
    assert!(
        matches!(&effects[..], [Effect::Emit(HostEvent::Connected(done))] if done.name == "Chat Toko")
    );
}

#[test]
fn an_account_with_a_broken_channel_is_reconnected_from_the_picker_with_the_token_in_hand() {
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    let mut accounts = page(1..4, None);
    accounts.accounts[0].connected = true;
    accounts.accounts[1].reconnect =
        Some(ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap());
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(accounts),
    });
    flow.handle(Input::Select(account(1).channel_id));
    assert_eq!(
        picker(&flow).selected,
        None,
        "an account already connected is not chosen"
    );
    let effects = flow.handle(Input::ReconnectAccount(account(2).channel_id));
    assert!(matches!(
        &effects[..],
        [Effect::PostReconnect { id, body: ReconnectRequest::Authorization { token: t }, .. }]
            if id.as_str() == "65f0a1b2c3d4e5f6a7b8c902" && *t == token("tok")
    ));
    // A failure goes back to the picker, as a connect's does, and the target with it.
    flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Err(http(500)),
    });
    assert!(picker(&flow).connect_error.is_some());
    assert_eq!(flow.target(), &Target::Connect);
    flow.handle(Input::ReconnectAccount(account(2).channel_id));
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected::default()),
    });
    let [Effect::Emit(HostEvent::Connected(done))] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (done.name.as_str(), done.reconnected, done.id.as_deref()),
        ("Akun 2", true, Some("65f0a1b2c3d4e5f6a7b8c902"))
    );
}

#[test]
fn a_cancelled_attempt_leaves_the_elements_own_button() {
    // A Reconnect from the channel list, cancelled: the button connects again.
    let mut flow = Flow::new(ChannelKind::Telegram, None);
    let id = ChannelRecordId::new("65f1c904").unwrap();
    flow.handle(Input::Start {
        via: None,
        target: Some(Target::Reconnect { id, name: None }),
    });
    assert!(matches!(flow.target(), Target::Reconnect { .. }));
    flow.handle(Input::Cancel);
    assert_eq!(flow.target(), &Target::Connect);
    assert!(!flow.reconnects());
    // A new WhatsApp number cancelled while its code shows: the next start is a new form.
    let mut flow = scanning();
    flow.handle(Input::Cancel);
    flow.handle(form_start());
    assert!(matches!(flow.step(), Step::Form(_)), "{:?}", flow.step());
    // A reconnect element stays one.
    let id = ChannelRecordId::new("65f1c904").unwrap();
    let mut flow = Flow::new(ChannelKind::Telegram, Some(id));
    flow.handle(form_start());
    flow.handle(Input::Cancel);
    assert!(flow.reconnects());
}

#[test]
fn an_answer_with_only_an_id_still_names_what_was_connected() {
    let bare = |id: &str| Channel {
        id: ChannelRecordId::new(id).unwrap(),
        name: String::new(),
        channel_id: None,
        channel_type: socialchat_api::ChannelType::Other(String::new()),
        is_connected: true,
        picture: None,
        disconnected_at: None,
        qrcode: None,
    };
    // A webchat: the name the user typed.
    let mut flow = Flow::new(ChannelKind::Webchat, None);
    flow.handle(form_start());
    flow.handle(edit(Field::Name, "Chat Toko"));
    flow.handle(edit(Field::Website, "toko.example"));
    flow.handle(Input::Submit);
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(bare("66c1")),
            ticket: None,
            receipt: None,
        }),
    });
    let [Effect::Emit(HostEvent::Connected(done))] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (done.name.as_str(), done.id.as_deref()),
        ("Chat Toko", Some("66c1"))
    );
    // A Telegram bot, with no name anywhere: the kind's name, never an empty sentence.
    let mut flow = Flow::new(ChannelKind::Telegram, None);
    flow.handle(form_start());
    flow.handle(edit(
        Field::BotToken,
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ));
    flow.handle(Input::Submit);
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(bare("66c2")),
            ticket: None,
            receipt: None,
        }),
    });
    let [Effect::Emit(HostEvent::Connected(done))] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(done.name, "Telegram");
    assert_eq!(done.channel, ChannelKind::Telegram);
}

#[test]
fn only_the_rows_in_view_and_a_few_more_are_drawn() {
    assert_eq!(drawn_rows(1000, 0, 7, 5), 0..12);
    assert_eq!(drawn_rows(1000, 500, 7, 5), 495..512);
    assert_eq!(drawn_rows(1000, 998, 7, 5), 993..1000);
    assert_eq!(drawn_rows(3, 0, 7, 5), 0..3);
    assert_eq!(drawn_rows(0, 0, 7, 5), 0..0);
    // A list that shrank under a scrolled view (a narrower search) draws its end.
    assert_eq!(drawn_rows(4, 40, 7, 5), 0..4);
}

#[test]
fn the_keys_move_the_choice_among_the_accounts_shown_that_can_be_chosen() {
    let mut accounts: Vec<Account> = (1..=6).map(account).collect();
    accounts[1].connected = true; // Akun 2: already connected, skipped
    let mut picker = Picker::first(AccountPage {
        accounts,
        next_offset: None,
    });
    picker.set_filter("akun");
    let all = picker.matching();
    assert_eq!(all, [0, 1, 2, 3, 4, 5]);
    let id = |n: u32| Some(ChannelId::new(format!("1784{n}")).unwrap());
    assert_eq!(
        picker.moved(&all, None, Move::Next(1)),
        id(1),
        "from nothing: the first"
    );
    picker.select(id(1).unwrap());
    assert_eq!(
        picker.moved(&all, None, Move::Next(1)),
        id(3),
        "the connected one is skipped"
    );
    assert_eq!(
        picker.moved(&all, None, Move::Previous(1)),
        id(6),
        "round to the last"
    );
    assert_eq!(
        picker.moved(&all, None, Move::Next(10)),
        id(6),
        "a page stops at the end"
    );
    assert_eq!(picker.moved(&all, None, Move::Last), id(6));
    picker.select(id(6).unwrap());
    assert_eq!(
        picker.moved(&all, None, Move::Next(1)),
        id(1),
        "round to the first"
    );
    assert_eq!(picker.moved(&all, None, Move::First), id(1));
    // Only what the search shows.
    picker.set_filter("akun 4");
    let shown = picker.matching();
    assert_eq!(shown, [3]);
    assert_eq!(picker.moved(&shown, None, Move::Next(1)), id(4));
    // From the focused radio, not the chosen one, as a native radio group moves.
    picker.set_filter("akun");
    assert_eq!(picker.moved(&all, id(4).as_ref(), Move::Next(1)), id(5));
    picker.set_filter("nobody");
    assert_eq!(picker.moved(&picker.matching(), None, Move::Next(1)), None);
}

#[test]
fn the_radio_group_keys_are_moves_and_modified_keys_are_the_browser_s() {
    assert_eq!(Move::of_key("ArrowDown", false, 7), Some(Move::Next(1)));
    assert_eq!(Move::of_key("ArrowRight", false, 7), Some(Move::Next(1)));
    assert_eq!(Move::of_key("ArrowUp", false, 7), Some(Move::Previous(1)));
    assert_eq!(Move::of_key("ArrowLeft", false, 7), Some(Move::Previous(1)));
    assert_eq!(Move::of_key("PageDown", false, 4), Some(Move::Next(4)));
    assert_eq!(Move::of_key("PageUp", false, 0), Some(Move::Previous(1)));
    assert_eq!(Move::of_key("Home", false, 7), Some(Move::First));
    assert_eq!(Move::of_key("End", false, 7), Some(Move::Last));
    assert_eq!(
        Move::of_key("ArrowLeft", true, 7),
        None,
        "Alt+Left is the browser's"
    );
    assert_eq!(Move::of_key("Home", true, 7), None);
    assert_eq!(Move::of_key("Tab", false, 7), None);
    assert_eq!(Move::of_key(" ", false, 7), None);
}

#[test]
fn the_list_scrolls_only_as_far_as_the_chosen_row_needs() {
    // Rows of 56 px in a box 392 px high (seven rows), scrolled to the top.
    assert_eq!(scroll_to_show(0, 56, 0, 392), None);
    assert_eq!(scroll_to_show(6, 56, 0, 392), None);
    assert_eq!(
        scroll_to_show(7, 56, 0, 392),
        Some(8 * 56 - 392),
        "just below"
    );
    assert_eq!(scroll_to_show(2, 56, 5 * 56, 392), Some(2 * 56), "above");
    assert_eq!(scroll_to_show(999, 56, 0, 392), Some(1000 * 56 - 392));
}

#[test]
fn a_move_chooses_among_the_accounts_the_search_shows_and_says_where() {
    let mut flow = picking();
    flow.handle(Input::Filter("akun 1".into()));
    // Akun 1 and Akun 10 match.
    flow.handle(Input::Move {
        from: None,
        key: Move::Last,
    });
    assert_eq!(
        picker(&flow).selected_account().map(|a| a.name.as_str()),
        Some("Akun 10")
    );
    assert_eq!(picker(&flow).selected_place(), Some(1));
    flow.handle(Input::Move {
        from: None,
        key: Move::Next(1),
    });
    assert_eq!(
        picker(&flow).selected_account().map(|a| a.name.as_str()),
        Some("Akun 1")
    );
    assert_eq!(picker(&flow).selected_place(), Some(0));
    // A choice the search no longer shows has no place.
    flow.handle(Input::Filter("akun 5".into()));
    assert_eq!(picker(&flow).selected_place(), None);
    // Outside the picker a move does nothing.
    let mut waiting = waiting();
    assert!(waiting
        .handle(Input::Move {
            from: None,
            key: Move::First
        })
        .is_empty());
}

/// A poll's answer: the channel, without a receipt.
fn polled(channel: Channel) -> ChannelStatus {
    ChannelStatus {
        channel,
        receipt: None,
    }
}

#[test]
fn a_connect_s_receipt_is_kept_and_handed_to_the_host_page() {
    let mut flow = waiting();
    flow.handle(authorized(IG, "tok"));
    flow.handle(Input::AccountsAnswered {
        attempt: 1,
        result: Ok(page(1..4, None)),
    });
    flow.handle(Input::Select(account(2).channel_id));
    flow.handle(Input::Connect);
    let effects = flow.handle(Input::ConnectAnswered {
        attempt: 1,
        result: Ok(Connected {
            channel: Some(channel("66aa", "17842", "Akun 2")),
            ticket: None,
            receipt: Some("h.p.s".into()),
        }),
    });
    let [Effect::KeepReceipt(kept), Effect::Emit(HostEvent::Connected(done))] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(kept, "h.p.s");
    assert_eq!(done.receipt.as_deref(), Some("h.p.s"));
}

#[test]
fn a_click_the_first_module_took_starts_the_same_attempt_or_nothing() {
    let popup = Via::Popup { opened: true };
    let idle = Flow::new(IG, None);
    assert_eq!(
        idle.early_start(EarlyClick::Authorize(popup)),
        EarlyStart::Authorize(popup)
    );
    assert_eq!(
        idle.early_start(EarlyClick::Authorize(Via::Redirect)),
        EarlyStart::Authorize(Via::Redirect)
    );
    // A click of the other kind's (an attribute changed the kind in between) starts nothing.
    assert_eq!(idle.early_start(EarlyClick::Form), EarlyStart::Discard);
    let form = Flow::new(ChannelKind::Whatsapp, None);
    assert_eq!(form.early_start(EarlyClick::Form), EarlyStart::Form);
    assert_eq!(
        form.early_start(EarlyClick::Authorize(popup)),
        EarlyStart::Discard
    );
    // A flow already under way (a redirect that resumed at the picker): the click's popup is
    // not needed.
    assert_eq!(
        waiting().early_start(EarlyClick::Authorize(popup)),
        EarlyStart::Discard
    );
    assert_eq!(
        picking().early_start(EarlyClick::Authorize(popup)),
        EarlyStart::Discard
    );
}
