//! The form of a kind connected without Facebook: labelled fields with their hints, the reason
//! a field is wrong next to it (and read with it), the refusal of a sent form above the button.
//! What the fields hold, which are wrong and what is sent are the flow's; this only draws them.

use leptos::prelude::*;
use socialchat_api::ChannelKind;
use wasm_bindgen::JsCast;

use super::{Controller, ErrorBox};
use crate::attempt::Target;
use crate::flow::{fields, Field, Input, Step};
use crate::i18n::Text;

/// The form's title for `kind`, connecting or reconnecting.
fn title(kind: ChannelKind, reconnect: bool) -> Text {
    match kind {
        ChannelKind::Whatsapp => Text::FormTitleWhatsapp,
        ChannelKind::Telegram if reconnect => Text::FormTitleTelegramReconnect,
        ChannelKind::Telegram => Text::FormTitleTelegram,
        ChannelKind::Webchat | ChannelKind::Instagram | ChannelKind::Messenger => {
            Text::FormTitleWebchat
        }
    }
}

/// The element id of a field (ids are per shadow root, so per widget).
fn field_id(field: Field) -> &'static str {
    match field {
        Field::Name => "sc-field-name",
        Field::Phone => "sc-field-phone",
        Field::BotToken => "sc-field-bot-token",
        Field::Website => "sc-field-website",
    }
}

/// The input's type, keyboard and autofill for a field. The bot token is a password field the
/// browser neither offers to save nor fills in.
fn input_kind(field: Field) -> (&'static str, &'static str, &'static str) {
    match field {
        Field::Name => ("text", "text", "organization"),
        Field::Phone => ("tel", "tel", "tel"),
        Field::BotToken => ("password", "text", "off"),
        Field::Website => ("url", "url", "url"),
    }
}

fn field_view(ctrl: Controller, field: Field, first: bool) -> impl IntoView {
    let (lang, kind) = ctrl.config.with_value(|c| (c.lang, c.channel));
    let id = field_id(field);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let (kind_of_input, inputmode, autocomplete) = input_kind(field);
    let value = Memo::new(move |_| {
        ctrl.flow
            .with(|f| f.form().map(|form| form.value(field).to_owned()))
            .unwrap_or_default()
    });
    let problem = Memo::new(move |_| {
        ctrl.flow
            .with(|f| f.form().and_then(|form| form.problem(field)))
    });
    let hint = field.hint();
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids: Vec<&str> = Vec::new();
            if problem.get().is_some() {
                ids.push(&error_id);
            }
            if hint.is_some() {
                ids.push(&hint_id);
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="sc-field">
            <label for=id>{lang.text(field.label(kind))}</label>
            <input id=id name=id type=kind_of_input inputmode=inputmode autocomplete=autocomplete
                spellcheck="false" autocapitalize="off" data-autofocus=first.then_some("")
                maxlength=if field == Field::Name { "100" } else { "2048" }
                aria-invalid=move || problem.get().is_some().to_string()
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| ctrl.send(Input::Edit { field, value: event_target_value(&ev) })/>
            {move || problem.get().map(|text| view! {
                <p class="sc-field-error" id=error_id.clone()>{lang.text(text)}</p>
            })}
            {hint.map(|text| view! { <p class="sc-hint" id=hint_id>{lang.text(text)}</p> })}
        </div>
    }
}

#[component]
pub fn ChannelForm(ctrl: Controller) -> impl IntoView {
    let (lang, kind) = ctrl.config.with_value(|c| (c.lang, c.channel));
    let reconnect = ctrl
        .flow
        .with_untracked(|f| matches!(f.target(), Target::Reconnect { .. }));
    let sending = Memo::new(move |_| ctrl.flow.with(|f| matches!(f.step(), Step::Sending { .. })));
    let error = Memo::new(move |_| {
        ctrl.flow
            .with(|f| f.form().and_then(|form| form.error.clone()))
    });
    let submit_label = match kind {
        ChannelKind::Whatsapp => Text::ShowQrCode,
        _ if reconnect => Text::Reconnect,
        _ => Text::Connect,
    };
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ctrl.interacted.try_set(true);
        ctrl.send(Input::Submit);
        // The first field found wrong gets the focus, so its reason is read at once.
        if let Some(form) = form_ref.get_untracked() {
            request_animation_frame(move || {
                if let Ok(Some(wrong)) = form.query_selector("[aria-invalid=true]") {
                    if let Ok(wrong) = wrong.dyn_into::<web_sys::HtmlElement>() {
                        let _ = wrong.focus();
                    }
                }
            });
        }
    };
    let list = fields(kind);
    view! {
        // The browser's own checks (in its language, not the widget's) are off: the flow checks.
        <form class="sc-form" novalidate node_ref=form_ref on:submit=on_submit
            aria-labelledby="sc-form-title">
            <h3 class="sc-title" id="sc-form-title">{lang.text(title(kind, reconnect))}</h3>
            <fieldset class="sc-fields" prop:disabled=move || sending.get()>
                {list.iter().enumerate().map(|(n, field)| field_view(ctrl, *field, n == 0)).collect_view()}
            </fieldset>
            {move || error.get().map(|e| view! { <ErrorBox error=e lang=lang/> })}
            <div class="sc-actions">
                <button type="submit" class="sc-button sc-primary" part="button"
                    prop:disabled=move || sending.get()
                    aria-busy=move || sending.get().to_string()>
                    {move || if sending.get() {
                        view! { <span class="sc-spinner" aria-hidden="true"></span>{lang.text(Text::Sending)} }.into_any()
                    } else {
                        lang.text(submit_label).into_any()
                    }}
                </button>
                <button type="button" class="sc-button" prop:disabled=move || sending.get()
                    on:click=move |_| ctrl.send(Input::Cancel)>{lang.text(Text::Cancel)}</button>
            </div>
        </form>
    }
}
