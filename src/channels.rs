//! The `list-channels` panel's rows: the company's channels of the element's kind, in the order
//! Socialchat gave them, or the error to show instead. Pure, and tested natively.

use socialchat_api::{Channel, ChannelKind, ChannelList};

use crate::flow::{ApiFailure, FlowError, Stage};

/// The rows for an answer of `GET …/partner/channel`.
pub fn rows(
    kind: ChannelKind,
    answer: Result<ChannelList, ApiFailure>,
) -> Result<Vec<Channel>, FlowError> {
    answer
        // A WhatsApp number may say `whatsapp-unofficial` or `linkchat`: the kind decides.
        .map(|list| {
            list.channels
                .into_iter()
                .filter(|c| kind.owns(&c.channel_type))
                .collect()
        })
        .map_err(|failure| FlowError::from_failure(Stage::Channels, failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::ErrorCode;
    use socialchat_api::ApiError;

    #[test]
    fn only_channels_of_the_elements_kind_are_shown() {
        let list = ChannelList::parse(
            r#"[{"_id":"a","channelType":"instagram","name":"Kopi"},
                {"_id":"b","channelType":"telegram","name":"Bot"},
                {"_id":"c","channelType":"instagram","name":"Teh"}]"#,
        )
        .unwrap()
        .value;
        let names: Vec<String> = rows(ChannelKind::Instagram, Ok(list))
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Kopi", "Teh"]);
    }

    #[test]
    fn a_whatsapp_number_is_listed_whichever_type_it_reports() {
        let list = ChannelList::parse(
            r#"[{"_id":"a","channelType":"whatsapp-unofficial","name":"Toko"},
                {"_id":"b","channelType":"linkchat","name":"Kedai"},
                {"_id":"c","channelType":"webchat","name":"Situs"}]"#,
        )
        .unwrap()
        .value;
        let names: Vec<String> = rows(ChannelKind::Whatsapp, Ok(list))
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Toko", "Kedai"]);
    }

    #[test]
    fn a_failed_list_is_a_channels_error_even_on_401() {
        let failure = ApiFailure::Http(ApiError {
            status: 401,
            message: None,
            original_message: None,
            code: None,
        });
        let error = rows(ChannelKind::Messenger, Err(failure)).unwrap_err();
        assert_eq!(error.code, ErrorCode::ChannelsFailed);
    }
}
