//! The `list-channels` panel's rows: the company's channels of the element's kind, in the order
//! Socialchat gave them, or the error to show instead. Pure, and tested natively.

use socialchat_api::{Channel, ChannelKind, ChannelList, ChannelType};

use crate::flow::{ApiFailure, FlowError, Stage};

/// The rows for an answer of `GET …/partner/channel`.
pub fn rows(
    kind: ChannelKind,
    answer: Result<ChannelList, ApiFailure>,
) -> Result<Vec<Channel>, FlowError> {
    let wanted = ChannelType::from_name(kind.as_str());
    answer
        .map(|list| list.of_type(&wanted).cloned().collect())
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
