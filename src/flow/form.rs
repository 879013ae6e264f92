//! The short forms of the kinds connected without Facebook: WhatsApp (a name and a phone
//! number), Telegram (a bot's token) and webchat (a name and a website). What is typed, which
//! field is wrong and why, and the request a valid form sends. The bot token is a secret: the
//! form forgets it once it is sent.

use socialchat_api::{
    BotToken, ChannelKind, ConnectRequest, DisplayName, PhoneNumber, ReconnectRequest, WebsiteUrl,
};

use super::FlowError;
use crate::i18n::Text;

/// A field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Phone,
    BotToken,
    Website,
}

impl Field {
    /// The field's label.
    pub fn label(self, kind: ChannelKind) -> Text {
        match self {
            Field::Name => match kind {
                ChannelKind::Whatsapp => Text::FieldWhatsappName,
                ChannelKind::Webchat
                | ChannelKind::Telegram
                | ChannelKind::Instagram
                | ChannelKind::Messenger => Text::FieldName,
            },
            Field::Phone => Text::FieldPhone,
            Field::BotToken => Text::FieldBotToken,
            Field::Website => Text::FieldWebsite,
        }
    }

    /// The one-line help under the field, if it has one.
    pub fn hint(self) -> Option<Text> {
        match self {
            Field::Name => None,
            Field::Phone => Some(Text::PhoneHint),
            Field::BotToken => Some(Text::BotTokenHint),
            Field::Website => Some(Text::WebsiteHint),
        }
    }

    /// What the user is told when the field is not valid.
    fn problem(self) -> Text {
        match self {
            Field::Name => Text::InvalidName,
            Field::Phone => Text::InvalidPhone,
            Field::BotToken => Text::InvalidBotToken,
            Field::Website => Text::InvalidWebsite,
        }
    }
}

/// The fields of `kind`'s form, in order; none for a kind connected through Facebook.
pub fn fields(kind: ChannelKind) -> &'static [Field] {
    match kind {
        ChannelKind::Whatsapp => &[Field::Name, Field::Phone],
        ChannelKind::Telegram => &[Field::BotToken],
        ChannelKind::Webchat => &[Field::Name, Field::Website],
        ChannelKind::Instagram | ChannelKind::Messenger => &[],
    }
}

/// The longest text a field keeps.
const MAX_FIELD_CHARS: usize = 2048;

/// A form being filled in.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Form {
    name: String,
    phone: String,
    bot_token: String,
    website: String,
    /// The fields found wrong at the last submit, with why.
    pub invalid: Vec<(Field, Text)>,
    /// A request that was refused, shown above the submit button.
    pub error: Option<FlowError>,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bot token.
        f.debug_struct("Form")
            .field("name", &self.name)
            .field("phone", &self.phone)
            .field("website", &self.website)
            .field("invalid", &self.invalid)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Form {
    /// What a field holds now.
    pub fn value(&self, field: Field) -> &str {
        match field {
            Field::Name => &self.name,
            Field::Phone => &self.phone,
            Field::BotToken => &self.bot_token,
            Field::Website => &self.website,
        }
    }

    pub(super) fn edit(&mut self, field: Field, value: &str) {
        let value: String = value.chars().take(MAX_FIELD_CHARS).collect();
        match field {
            Field::Name => self.name = value,
            Field::Phone => self.phone = value,
            Field::BotToken => self.bot_token = value,
            Field::Website => self.website = value,
        }
        // The field's complaint goes once it is edited.
        self.invalid.retain(|(f, _)| *f != field);
    }

    /// Why a field is wrong, if it is.
    pub fn problem(&self, field: Field) -> Option<Text> {
        self.invalid
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| *text)
    }

    /// Forgets the secret it was given, once it has been sent.
    pub(super) fn forget_secret(&mut self) {
        self.bot_token = String::new();
    }

    /// Checks every field of `kind`'s form: the fields that are wrong, or the request to send.
    pub(super) fn connect_request(
        &self,
        kind: ChannelKind,
    ) -> Result<ConnectRequest, Vec<(Field, Text)>> {
        let mut invalid = Vec::new();
        let mut check = |field: Field, ok: bool| {
            if !ok {
                invalid.push((field, field.problem()));
            }
        };
        let request = match kind {
            ChannelKind::Whatsapp => {
                let name = DisplayName::new(self.name.as_str());
                let phone = PhoneNumber::new(self.phone.as_str());
                check(Field::Name, name.is_ok());
                check(Field::Phone, phone.is_ok());
                name.ok()
                    .zip(phone.ok())
                    .map(|(name, phone)| ConnectRequest::Whatsapp { name, phone })
            }
            ChannelKind::Telegram => {
                let token = BotToken::new(self.bot_token.as_str());
                check(Field::BotToken, token.is_ok());
                token.ok().map(|token| ConnectRequest::Telegram { token })
            }
            ChannelKind::Webchat => {
                let name = DisplayName::new(self.name.as_str());
                let website = WebsiteUrl::new(self.website.as_str());
                check(Field::Name, name.is_ok());
                check(Field::Website, website.is_ok());
                name.ok()
                    .zip(website.ok())
                    .map(|(name, website_url)| ConnectRequest::Webchat { name, website_url })
            }
            ChannelKind::Instagram | ChannelKind::Messenger => None,
        };
        request.ok_or(invalid)
    }

    /// The request of a Telegram reconnect: the bot's token again.
    pub(super) fn reconnect_request(&self) -> Result<ReconnectRequest, Vec<(Field, Text)>> {
        BotToken::new(self.bot_token.as_str())
            .map(|token| ReconnectRequest::Telegram { token })
            .map_err(|_| vec![(Field::BotToken, Field::BotToken.problem())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    #[test]
    fn each_kind_checks_its_own_fields() {
        let mut form = Form::default();
        assert_eq!(
            form.connect_request(ChannelKind::Whatsapp).unwrap_err(),
            [
                (Field::Name, Text::InvalidName),
                (Field::Phone, Text::InvalidPhone)
            ]
        );
        form.edit(Field::Name, "Toko Batik");
        form.edit(Field::Phone, "0812 3456 7890");
        let Ok(ConnectRequest::Whatsapp { phone, .. }) =
            form.connect_request(ChannelKind::Whatsapp)
        else {
            panic!("a valid WhatsApp form");
        };
        assert_eq!(phone.as_str(), "+6281234567890");
        assert_eq!(
            form.connect_request(ChannelKind::Webchat).unwrap_err(),
            [(Field::Website, Text::InvalidWebsite)]
        );
        form.edit(Field::Website, "toko.example");
        assert!(form.connect_request(ChannelKind::Webchat).is_ok());
        form.edit(Field::BotToken, "not a token");
        assert_eq!(
            form.connect_request(ChannelKind::Telegram).unwrap_err(),
            [(Field::BotToken, Text::InvalidBotToken)]
        );
        form.edit(Field::BotToken, BOT);
        assert!(form.connect_request(ChannelKind::Telegram).is_ok());
        assert!(form.reconnect_request().is_ok());
    }

    #[test]
    fn the_bot_token_never_prints_and_is_forgotten_once_sent() {
        let mut form = Form::default();
        form.edit(Field::BotToken, BOT);
        assert!(!format!("{form:?}").contains("AAHdq"));
        form.forget_secret();
        assert_eq!(form.value(Field::BotToken), "");
    }

    #[test]
    fn editing_a_field_clears_its_complaint() {
        let mut form = Form::default();
        form.invalid = form.connect_request(ChannelKind::Whatsapp).unwrap_err();
        form.edit(Field::Phone, "08");
        assert_eq!(form.problem(Field::Phone), None);
        assert_eq!(form.problem(Field::Name), Some(Text::InvalidName));
    }
}
