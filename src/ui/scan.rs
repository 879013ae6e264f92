//! A WhatsApp number's QR code, waiting for its scan: how to scan it, the code itself (it
//! refreshes as Socialchat renews it), and a line that says whether it is waiting or having
//! trouble. The polling and the time limit are the flow's.

use leptos::prelude::*;

use super::Controller;
use crate::flow::Input;
use crate::i18n::Text;

#[component]
pub fn QrScan(ctrl: Controller) -> impl IntoView {
    let lang = ctrl.config.with_value(|c| c.lang);
    let code = Memo::new(move |_| {
        ctrl.flow
            .with(|f| f.scanning().and_then(|s| s.qrcode.clone()))
    });
    let trouble = Memo::new(move |_| {
        ctrl.flow
            .with(|f| f.scanning().is_some_and(|s| s.trouble.is_some()))
    });
    let line = move || {
        if trouble.get() {
            Text::ScanTrouble
        } else if code.with(Option::is_some) {
            Text::ScanWaiting
        } else {
            Text::ScanLoading
        }
    };
    view! {
        <h3 class="sc-title" id="sc-scan-title" data-autofocus tabindex="-1">{lang.text(Text::ScanTitle)}</h3>
        <p class="sc-hint sc-steps">{lang.text(Text::ScanSteps)}</p>
        <div class="sc-qr" aria-busy=move || code.with(Option::is_none).to_string()>
            {move || match code.get() {
                Some(src) => view! { <img src=src alt=lang.text(Text::QrAlt) width="240" height="240"/> }.into_any(),
                None => view! { <span class="sc-spinner" aria-hidden="true"></span> }.into_any(),
            }}
        </div>
        <p class="sc-progress sc-scan-line" class:sc-trouble=move || trouble.get()>
            {move || lang.text(line())}
        </p>
        <div class="sc-actions">
            <button type="button" class="sc-button" on:click=move |_| ctrl.send(Input::Cancel)>
                {lang.text(Text::Cancel)}
            </button>
        </div>
    }
}
