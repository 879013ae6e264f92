//! The account picker: a search box, a single-choice list of native radio buttons (each one's
//! accessible name is the account's name, arrow keys move between them), Load more, Connect.

use leptos::prelude::*;
use socialchat_api::{Account, ChannelId};

use super::{kind_name, Avatar, Controller, ErrorBox};
use crate::flow::{name_matches, search_needle, Input, Picker, Step};
use crate::i18n::Text;

/// Rows are drawn in blocks of this many (a page of accounts at the sandbox's default size).
const BLOCK: usize = 25;

/// What every row of one picker shares.
#[derive(Clone)]
struct Rows {
    group: String,
    needle: ReadSignal<String>,
    selected: ReadSignal<Option<ChannelId>>,
    /// The rows drawn so far, for the search.
    drawn: StoredValue<Vec<Row>>,
}

/// One account in the list: a native radio button whose accessible name is the account's name.
fn account_row(account: Account, rows: StoredValue<Rows>, ctrl: Controller) -> impl IntoView {
    let Rows {
        group,
        needle,
        selected,
        drawn,
    } = rows.get_value();
    let id: ChannelId = account.channel_id.clone();
    let id_for_check = id.clone();
    let name_lower = account.name.to_lowercase();
    let hidden = RwSignal::new(needle.with_untracked(|n| !name_matches(&name_lower, n)));
    drawn.update_value(|rows| rows.push(Row { name_lower, hidden }));
    on_cleanup(move || {
        drawn.try_update_value(|rows| rows.retain(|row| row.hidden != hidden));
    });
    let lang = ctrl.config.with_value(|c| c.lang);
    // An account with a channel already is not a choice: it says so, and a broken one offers
    // its reconnect with the authorization in hand.
    let marked = account.connected || account.reconnect.is_some();
    let mark = if let Some(_broken) = &account.reconnect {
        let label = format!("{} {}", lang.text(Text::Reconnect), account.name);
        let id = id.clone();
        view! {
            <button type="button" class="sc-button sc-small" aria-label=label
                on:click=move |_| ctrl.send(Input::ReconnectAccount(id.clone()))>
                {lang.text(Text::Reconnect)}
            </button>
        }
        .into_any()
    } else if account.connected {
        view! { <span class="sc-badge sc-ok">{lang.text(Text::AlreadyConnected)}</span> }.into_any()
    } else {
        ().into_any()
    };
    view! {
        <div class="sc-account" class:sc-marked=marked prop:hidden=move || hidden.get()>
            <label class="sc-choice">
                <input type="radio" name=group value=id.as_str().to_owned() disabled=marked
                    prop:checked=move || selected.with(|s| s.as_ref() == Some(&id_for_check))
                    on:change=move |_| ctrl.send(Input::Select(id.clone()))/>
                <Avatar name=account.name.clone() picture=account.picture.clone()/>
                <span class="sc-name">{account.name.clone()}</span>
            </label>
            {mark}
        </div>
    }
}

/// A drawn row: its name as the search compares it, and whether the search hides it.
struct Row {
    name_lower: String,
    hidden: RwSignal<bool>,
}

/// A signal that follows `read` and changes only when its value does.
fn mirror<T: PartialEq + Send + Sync + 'static>(
    read: impl Fn() -> T + Send + Sync + 'static,
) -> ReadSignal<T> {
    let (value, set_value) = signal(untrack(&read));
    Effect::new(move |_| {
        let next = read();
        if value.with_untracked(|v| *v != next) {
            set_value.set(next);
        }
    });
    value
}

fn picker_of(step: &Step) -> Option<&Picker> {
    match step {
        Step::Picking(p) | Step::Connecting { picker: Some(p) } => Some(p),
        _ => None,
    }
}

#[component]
pub fn AccountPicker(ctrl: Controller) -> impl IntoView {
    let (lang, kind) = ctrl.config.with_value(|c| (c.lang, kind_name(c.channel)));
    let k = [("kind", kind)];
    // Every loaded account is drawn once (Load more only appends rows); the search box hides
    // rows instead of rebuilding the list, so a keystroke costs a string check per row.
    let loaded = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).map_or(0, |p| p.accounts.len()))
    });
    let visible_count = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).map_or(0, |p| p.visible_count()))
    });
    let has_more = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).is_some_and(|p| p.has_more()))
    });
    let loading_more = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).is_some_and(|p| p.loading_more))
    });
    let more_error = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).and_then(|p| p.more_error.clone()))
    });
    let connect_error = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).and_then(|p| p.connect_error.clone()))
    });
    let filter = Memo::new(move |_| {
        ctrl.flow.with(|f| {
            picker_of(f.step())
                .map(|p| p.filter.clone())
                .unwrap_or_default()
        })
    });
    let connecting = Memo::new(move |_| {
        ctrl.flow
            .with(|f| matches!(f.step(), Step::Connecting { .. }))
    });
    // What the rows read is mirrored into plain signals: a memo downstream of the flow wakes
    // every row's effects on each keystroke (to check whether it changed), a signal set only on
    // a change wakes them only when there is something to draw.
    let selected = mirror(move || {
        ctrl.flow
            .with(|f| picker_of(f.step()).and_then(|p| p.selected.clone()))
    });
    let needle = mirror(move || filter.with(|f| search_needle(f)));
    let drawn: StoredValue<Vec<Row>> = StoredValue::new(Vec::new());
    // One pass per changed search shows or hides the rows whose match changed, and only those
    // touch the DOM.
    Effect::new(move |_| {
        needle.with(|needle| {
            drawn.with_value(|rows| {
                for row in rows {
                    let hidden = !name_matches(&row.name_lower, needle);
                    if row.hidden.try_get_untracked() == Some(!hidden) {
                        row.hidden.try_set(hidden);
                    }
                }
            })
        })
    });
    let rows = StoredValue::new(Rows {
        // One radio group per attempt.
        group: format!("sc-account-{}", ctrl.flow.with_untracked(|f| f.attempt())),
        needle,
        selected,
        drawn,
    });

    let empty = move || loaded.get() == 0 && !has_more.get();
    view! {
        <Show
            when=move || !empty()
            fallback=move || view! {
                <p class="sc-note" data-autofocus tabindex="-1">{lang.format(Text::EmptyAccounts, &k)}</p>
                <div class="sc-actions">
                    <button type="button" class="sc-button sc-primary" on:click=move |_| ctrl.start(None)>
                        {lang.text(Text::AuthorizeAgain)}
                    </button>
                    <button type="button" class="sc-button" on:click=move |_| ctrl.send(Input::Cancel)>
                        {lang.text(Text::Cancel)}
                    </button>
                </div>
            }
        >
            <h3 class="sc-title" id="sc-choose" data-autofocus tabindex="-1">{lang.text(Text::ChooseAccount)}</h3>
            <label class="sc-search">
                <span class="sc-sr-only">{lang.text(Text::SearchAccounts)}</span>
                <input type="search" placeholder=lang.text(Text::SearchAccounts) autocomplete="off"
                    aria-label=lang.text(Text::SearchAccounts)
                    prop:value=move || filter.get()
                    on:input=move |ev| ctrl.send(Input::Filter(event_target_value(&ev)))/>
            </label>
            // One `disabled` for the whole list while connecting, not one binding per row.
            <fieldset class="sc-accounts" role="radiogroup" aria-labelledby="sc-choose"
                prop:disabled=move || connecting.get()>
                // Rows come in blocks: a block out of view is skipped by the browser's style,
                // layout and paint (content-visibility), so a keystroke that shows or hides many
                // rows costs about what is on screen.
                <For
                    each=move || 0..loaded.get().div_ceil(BLOCK)
                    key=|block| *block
                    children=move |block| {
                        // Within one picker the list only grows (Load more appends), so the loaded
                        // count says when a block may have changed: keystrokes and selections never
                        // copy accounts, and a full block is never drawn again.
                        let accounts: Memo<Vec<Account>> = Memo::new(move |_| {
                            loaded.track();
                            ctrl.flow.with_untracked(|f| {
                                picker_of(f.step())
                                    .map(|p| p.accounts.iter().skip(block * BLOCK).take(BLOCK).cloned().collect())
                                    .unwrap_or_default()
                            })
                        });
                        view! {
                            <div class="sc-block">
                                <For
                                    each=move || accounts.get()
                                    key=|account: &Account| account.channel_id.clone()
                                    children=move |account| account_row(account, rows, ctrl)
                                />
                            </div>
                        }
                    }
                />
            </fieldset>
            <Show when=move || { visible_count.get() == 0 && loaded.get() > 0 }>
                <p class="sc-hint">{lang.text(Text::NoMatch)}</p>
            </Show>
            {move || more_error.get().map(|e| view! { <ErrorBox error=e lang=lang/> })}
            <Show when=move || has_more.get()>
                <button type="button" class="sc-button sc-more"
                    prop:disabled=move || loading_more.get() || connecting.get()
                    aria-busy=move || loading_more.get().to_string()
                    on:click=move |_| ctrl.send(Input::LoadMore)>
                    {move || if loading_more.get() { lang.text(Text::LoadingMore) } else { lang.text(Text::LoadMore) }}
                </button>
            </Show>
            {move || connect_error.get().map(|e| view! { <ErrorBox error=e lang=lang/> })}
            <div class="sc-actions">
                <button type="button" class="sc-button sc-primary"
                    prop:disabled=move || selected.get().is_none() || connecting.get()
                    aria-busy=move || connecting.get().to_string()
                    on:click=move |_| ctrl.send(Input::Connect)>
                    {move || if connecting.get() {
                        view! { <span class="sc-spinner" aria-hidden="true"></span>{lang.text(Text::Connecting)}}.into_any()
                    } else {
                        lang.text(Text::Connect).into_any()
                    }}
                </button>
                <button type="button" class="sc-button" prop:disabled=move || connecting.get()
                    on:click=move |_| ctrl.send(Input::Cancel)>{lang.text(Text::Cancel)}</button>
            </div>
        </Show>
    }
}
