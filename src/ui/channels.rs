//! The `list-channels` panel: the company's existing channels of this kind, connected or not,
//! with a Reconnect action on each disconnected one.

use leptos::prelude::*;
use socialchat_api::{Channel, ChannelType};

use super::{kind_name, Avatar, Controller, ErrorBox};
use crate::flow::{FlowError, HostEvent, Stage, Target};
use crate::i18n::Text;

#[derive(Clone, PartialEq)]
enum Channels {
    Loading,
    Loaded(Vec<Channel>),
    Failed(FlowError),
}

#[component]
pub fn ChannelsPanel(ctrl: Controller) -> impl IntoView {
    let (lang, kind) = ctrl.config.with_value(|c| (c.lang, c.channel));
    let k = [("kind", kind_name(kind))];
    let state = RwSignal::new(Channels::Loading);
    Effect::new(move |_| {
        ctrl.channels_version.track();
        state.set(Channels::Loading);
        let Some(client) = ctrl.client_handle() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let wanted = ChannelType::from_name(kind.as_str());
            let next = match client.channels(kind).await {
                Ok(list) => Channels::Loaded(list.of_type(&wanted).cloned().collect()),
                Err(failure) => {
                    let error = FlowError::from_failure(Stage::Channels, failure);
                    ctrl.emit(&HostEvent::Error(error.clone()));
                    Channels::Failed(error)
                }
            };
            state.try_set(next);
        });
    });
    view! {
        <section class="sc-channels" aria-labelledby="sc-channels-title">
            <h3 class="sc-title" id="sc-channels-title">{lang.format(Text::ChannelsTitle, &k)}</h3>
            {move || match state.get() {
                Channels::Loading => view! {
                    <p class="sc-progress"><span class="sc-spinner" aria-hidden="true"></span>{lang.text(Text::LoadingChannels)}</p>
                }.into_any(),
                Channels::Failed(error) => view! {
                    <ErrorBox error=error lang=lang/>
                    <button type="button" class="sc-button"
                        on:click=move |_| {
                    ctrl.channels_version.try_update(|v| *v += 1);
                }>{lang.text(Text::TryAgain)}</button>
                }.into_any(),
                Channels::Loaded(list) if list.is_empty() => view! {
                    <p class="sc-hint">{lang.format(Text::NoChannels, &k)}</p>
                }.into_any(),
                Channels::Loaded(list) => view! {
                    <ul class="sc-channel-list">
                        {list.into_iter().map(|channel| {
                            let connected = channel.is_connected;
                            let target = Target::Reconnect { id: channel.id.clone(), name: Some(channel.name.clone()) };
                            let label = format!("{} {}", lang.text(Text::Reconnect), channel.name);
                            view! {
                                <li class="sc-channel">
                                    <Avatar name=channel.name.clone() picture=channel.picture.clone()/>
                                    <span class="sc-name">{channel.name.clone()}</span>
                                    <span class=if connected { "sc-badge sc-ok" } else { "sc-badge sc-broken" }>
                                        {lang.text(if connected { Text::ChannelConnected } else { Text::ChannelDisconnected })}
                                    </span>
                                    {(!connected).then(|| view! {
                                        <button type="button" class="sc-button sc-small" aria-label=label
                                            on:click=move |_| ctrl.start(Some(target.clone()))>
                                            {lang.text(Text::Reconnect)}
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
