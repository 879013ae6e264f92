//! The `list-channels` panel: the company's existing channels of this kind, connected or not,
//! with a Reconnect action on each disconnected one.

use leptos::prelude::*;

use super::{kind_name, Avatar, Controller, ErrorBox};
use crate::attempt::Target;
use crate::channels::rows;
use crate::flow::HostEvent;
use crate::i18n::Text;

#[component]
pub fn ChannelsPanel(ctrl: Controller) -> impl IntoView {
    let (lang, kind) = ctrl.config.with_value(|c| (c.lang, c.channel));
    let k = [("kind", kind_name(kind))];
    // Loaded again whenever the version moves: after a connect, and on Try again.
    let channels = LocalResource::new(move || {
        ctrl.channels_version.track();
        let client = ctrl.client_handle();
        async move {
            let client = client?;
            let rows = rows(kind, client.channels(kind).await);
            if let Err(error) = &rows {
                ctrl.emit(&HostEvent::Error(error.clone()));
            }
            Some(rows)
        }
    });
    view! {
        <section class="sc-channels" aria-labelledby="sc-channels-title">
            <h3 class="sc-title" id="sc-channels-title">{lang.format(Text::ChannelsTitle, &k)}</h3>
            {move || match channels.get().flatten() {
                None => view! {
                    <p class="sc-progress"><span class="sc-spinner" aria-hidden="true"></span>{lang.text(Text::LoadingChannels)}</p>
                }.into_any(),
                Some(Err(error)) => view! {
                    <ErrorBox error=error lang=lang/>
                    <button type="button" class="sc-button"
                        on:click=move |_| {
                    ctrl.channels_version.try_update(|v| *v += 1);
                }>{lang.text(Text::TryAgain)}</button>
                }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="sc-hint">{lang.format(Text::NoChannels, &k)}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="sc-channel-list" part="list">
                        {list.into_iter().map(|channel| {
                            let connected = channel.is_connected;
                            let target = Target::Reconnect { id: channel.id.clone(), name: Some(channel.name.clone()) };
                            let label = format!("{} {}", lang.text(Text::Reconnect), channel.name);
                            view! {
                                <li class="sc-channel" part="row">
                                    <Avatar name=channel.name.clone() picture=channel.picture.clone()/>
                                    // Name, state and action wrap together beside the picture.
                                    <div class="sc-channel-body">
                                    <span class="sc-name">{channel.name.clone()}</span>
                                    <span class=if connected { "sc-badge sc-ok" } else { "sc-badge sc-broken" }>
                                        {lang.text(if connected { Text::ChannelConnected } else { Text::ChannelDisconnected })}
                                    </span>
                                    {(!connected && kind.reconnects()).then(|| view! {
                                        <button type="button" class="sc-button sc-small" aria-label=label
                                            on:click=move |_| ctrl.start(Some(target.clone()))>
                                            {lang.text(Text::Reconnect)}
                                        </button>
                                    })}
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
