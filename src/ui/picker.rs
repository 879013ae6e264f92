//! The account picker: a search box, a single-choice list of native radio buttons (each one's
//! accessible name is the account's name, arrow keys move between them), Load more, Connect.

use leptos::prelude::*;
use socialchat_api::{Account, ChannelId};

use super::{kind_name, Avatar, Controller, ErrorBox};
use crate::flow::{name_matches, search_needle, Input, Picker, Step};
use crate::i18n::Text;

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
    // Within one picker the list only grows (Load more appends), so its length says when it
    // changed: keystrokes and selections then never copy the loaded accounts.
    let accounts: Memo<Vec<Account>> = Memo::new(move |_| {
        loaded.track();
        ctrl.flow.with_untracked(|f| {
            picker_of(f.step())
                .map(|p| p.accounts.clone())
                .unwrap_or_default()
        })
    });
    let visible_count = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).map_or(0, |p| p.visible().len()))
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
    let selected = Memo::new(move |_| {
        ctrl.flow
            .with(|f| picker_of(f.step()).and_then(|p| p.selected.clone()))
    });
    let filter = Memo::new(move |_| {
        ctrl.flow.with(|f| {
            picker_of(f.step())
                .map(|p| p.filter.clone())
                .unwrap_or_default()
        })
    });
    let needle = Memo::new(move |_| filter.with(|f| search_needle(f)));
    let connecting = Memo::new(move |_| {
        ctrl.flow
            .with(|f| matches!(f.step(), Step::Connecting { .. }))
    });
    // One radio group per attempt; a StoredValue because the list may be drawn again.
    let group = StoredValue::new(format!(
        "sc-account-{}",
        ctrl.flow.with_untracked(|f| f.attempt())
    ));

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
            <div class="sc-accounts" role="radiogroup" aria-labelledby="sc-choose">
                <For
                    each=move || accounts.get()
                    key=|account| account.channel_id.clone()
                    children=move |account| {
                        let id: ChannelId = account.channel_id.clone();
                        let id_for_check = id.clone();
                        let group = group.get_value();
                        let name_lower = account.name.to_lowercase();
                        // A memo per row: the DOM is touched only for rows whose match changes.
                        let hidden = Memo::new(move |_| !needle.with(|n| name_matches(&name_lower, n)));
                        view! {
                            <label class="sc-account" prop:hidden=move || hidden.get()>
                                <input type="radio" name=group value=id.as_str().to_owned()
                                    prop:checked=move || selected.get().as_ref() == Some(&id_for_check)
                                    prop:disabled=move || connecting.get()
                                    on:change=move |_| ctrl.send(Input::Select(id.clone()))/>
                                <Avatar name=account.name.clone() picture=account.picture.clone()/>
                                <span class="sc-name">{account.name.clone()}</span>
                            </label>
                        }
                    }
                />
            </div>
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
