//! The account picker: a search box, a single-choice list of native radio buttons (each one's
//! accessible name is the account's name), Load more, Connect.
//!
//! Only the rows in view (and a few on either side) exist: the list is a scrolling box of rows
//! of one height, with the space of the others kept empty, so a search or a scroll over a
//! thousand accounts touches a dozen rows. The radio group's keys (arrows, Home, End, Page Up
//! and Down) are handled here, since the account they reach may not be drawn yet; each radio
//! says its place in the whole list (`aria-posinset`, `aria-setsize`).

use leptos::html;
use leptos::prelude::*;
use socialchat_api::{Account, ChannelId};
use wasm_bindgen::JsCast;

use super::{kind_name, Avatar, Controller, ErrorBox};
use crate::flow::{drawn_rows, scroll_to_show, search_needle, Input, Move, Picker, Step};
use crate::i18n::Text;

/// The height of a row, in CSS pixels (style.css gives `.sc-account` the same).
const ROW_HEIGHT: i32 = 56;
/// Rows in view in the list's box (style.css: at most 360 px high).
const ROWS_IN_VIEW: usize = 7;
/// Rows drawn beyond the view on either side.
const SPARE_ROWS: usize = 5;

/// What every row of one picker shares.
#[derive(Clone)]
struct Rows {
    group: String,
    selected: ReadSignal<Option<ChannelId>>,
    /// The accounts the search shows, as positions in the picker's accounts.
    matching: Memo<Vec<usize>>,
    /// How many accounts the search shows.
    total: Memo<usize>,
}

/// The row at `place` among the accounts the search shows. A row is a slot that stays while
/// it is in view and shows whichever account is at its place: a keystroke or a scroll changes
/// the text and attributes of a dozen rows that are already there, it does not build new ones.
fn account_row(place: usize, rows: StoredValue<Rows>, ctrl: Controller) -> impl IntoView {
    let Rows {
        group,
        selected,
        matching,
        total,
    } = rows.get_value();
    let lang = ctrl.config.with_value(|c| c.lang);
    let account: Memo<Option<Account>> = Memo::new(move |_| {
        let at = matching.with(|m| m.get(place).copied())?;
        ctrl.flow
            .with_untracked(|f| picker_of(f.step()).and_then(|p| p.accounts.get(at).cloned()))
    });
    let id = Memo::new(move |_| account.with(|a| a.as_ref().map(|a| a.channel_id.clone())));
    let name = move || account.with(|a| a.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    // An account with a channel already is not a choice: it says so, a broken one of the
    // session's offers its reconnect with the authorization in hand, and one of someone else's
    // says whose it is.
    let marked = move || account.with(|a| a.as_ref().is_some_and(|a| !a.connectable()));
    let mark = move || {
        account.with(|a| {
            let a = a.as_ref()?;
            Some(if a.reconnect.is_some() {
                let label = format!("{} {}", lang.text(Text::Reconnect), a.name);
                let id = a.channel_id.clone();
                view! {
                    <button type="button" class="sc-button sc-small" aria-label=label
                        on:click=move |_| ctrl.send(Input::ReconnectAccount(id.clone()))>
                        {lang.text(Text::Reconnect)}
                    </button>
                }
                .into_any()
            } else if a.connected {
                view! { <span class="sc-badge sc-ok">{lang.text(Text::AlreadyConnected)}</span> }
                    .into_any()
            } else if a.taken {
                view! { <span class="sc-badge">{lang.text(Text::TakenBySomeoneElse)}</span> }
                    .into_any()
            } else {
                ().into_any()
            })
        })
    };
    let picture = Signal::derive(move || account.with(|a| a.as_ref()?.picture.clone()));
    view! {
        <div class="sc-account" part="row" class:sc-marked=marked>
            <label class="sc-choice" title=name>
                <input type="radio" name=group disabled=marked
                    value=move || id.with(|id| id.as_ref().map(|id| id.as_str().to_owned()))
                    aria-posinset=(place + 1).to_string()
                    aria-setsize=move || total.get().to_string()
                    prop:checked=move || selected.with(|s| s.is_some() && *s == id.get())
                    on:change=move |_| {
                        if let Some(id) = id.get_untracked() {
                            ctrl.send(Input::Select(id));
                        }
                    }/>
                <Avatar name=Signal::derive(name) picture=picture/>
                <span class="sc-name">{name}</span>
            </label>
            {mark}
        </div>
    }
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
    let loaded = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).map_or(0, |p| p.accounts.len()))
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
    // The accounts the search shows, by position: read again when the search or the loaded
    // accounts change, never on a selection.
    let matching: Memo<Vec<usize>> = Memo::new(move |_| {
        needle.track();
        loaded.track();
        ctrl.flow
            .with_untracked(|f| picker_of(f.step()).map(Picker::matching))
            .unwrap_or_default()
    });
    let total = Memo::new(move |_| matching.with(Vec::len));
    // The row at the top of the list's box, set as it scrolls.
    let top = RwSignal::new(0usize);
    let list = NodeRef::<html::Div>::new();
    let window = Memo::new(move |_| drawn_rows(total.get(), top.get(), ROWS_IN_VIEW, SPARE_ROWS));
    let on_scroll = move |_| {
        if let Some(list) = list.get_untracked() {
            let row = usize::try_from(list.scroll_top() / ROW_HEIGHT).unwrap_or(0);
            if top.get_untracked() != row {
                top.set(row);
            }
        }
    };
    // A new search starts at the top of its matches.
    Effect::new(move |before: Option<()>| {
        needle.track();
        if before.is_some() {
            if let Some(list) = list.get_untracked() {
                list.set_scroll_top(0);
            }
            top.set(0);
        }
    });
    // The radio group's keys, for rows that may not be drawn: the flow moves the choice, then
    // the list scrolls to it and focuses it.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(radio) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .filter(|input| input.type_() == "radio")
        else {
            return;
        };
        let Some(list) = list.get_untracked() else {
            return;
        };
        let modified = ev.alt_key() || ev.ctrl_key() || ev.meta_key();
        let page = usize::try_from(list.client_height() / ROW_HEIGHT).unwrap_or(1);
        let Some(key) = Move::of_key(&ev.key(), modified, page) else {
            return;
        };
        ev.prevent_default();
        let from = ChannelId::new(radio.value()).ok();
        ctrl.send(Input::Move { from, key });
        let chosen = ctrl.flow.with_untracked(|f| {
            picker_of(f.step()).and_then(|p| Some((p.selected.clone()?, p.selected_place()?)))
        });
        let Some((chosen, place)) = chosen else {
            return;
        };
        if let Some(to) = scroll_to_show(place, ROW_HEIGHT, list.scroll_top(), list.client_height())
        {
            list.set_scroll_top(to);
        }
        // At once if its row is drawn (the next key then moves on from it), else once the
        // scroll has drawn it.
        let focus = move || {
            let selector = format!("input[value=\"{}\"]", chosen.as_str());
            let radio = list.query_selector(&selector).ok().flatten();
            radio
                .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok())
                .is_some_and(|r| r.focus().is_ok())
        };
        if !focus() {
            request_animation_frame(move || {
                focus();
            });
        }
    };
    let rows = StoredValue::new(Rows {
        // One radio group per attempt.
        group: format!("sc-account-{}", ctrl.flow.with_untracked(|f| f.attempt())),
        selected,
        matching,
        total,
    });

    let empty = move || loaded.get() == 0 && !has_more.get();
    view! {
        <Show
            when=move || !empty()
            fallback=move || view! {
                <p class="sc-note" data-autofocus tabindex="-1">{lang.format(Text::EmptyAccounts, &k)}</p>
                <div class="sc-actions">
                    <button type="button" class="sc-button sc-primary" part="button" on:click=move |_| ctrl.start(None)>
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
            // One `disabled` for the whole list while connecting, not one binding per row. The
            // box that scrolls is a plain element inside the fieldset: Chromium resets a
            // scrolling fieldset to the top when its rows change in the frame of a click, so the
            // click's release lands on another row.
            <fieldset class="sc-group" part="list" role="radiogroup" aria-labelledby="sc-choose"
                prop:disabled=move || connecting.get()>
                <div class="sc-accounts" node_ref=list on:scroll=on_scroll on:keydown=on_key>
                    // The whole list's height, with the rows in view placed where they belong.
                    <div class="sc-rows"
                        style:height=move || format!("{}px", total.get() * ROW_HEIGHT as usize)
                        style:padding-top=move || format!("{}px", window.get().start * ROW_HEIGHT as usize)>
                        <For
                            each=move || window.get()
                            key=|place: &usize| *place
                            children=move |place| account_row(place, rows, ctrl)
                        />
                    </div>
                </div>
            </fieldset>
            <Show when=move || { total.get() == 0 && loaded.get() > 0 }>
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
                <button type="button" class="sc-button sc-primary" part="button"
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
