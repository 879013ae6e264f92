//! The widget's styles (`ui/style.css`), shared by every widget on the page and by the small
//! first module that draws the button before the element has loaded.

/// The widget's styles, scoped by its shadow root. They are adopted as a constructed
/// stylesheet (one shared by every widget on the page), never an inline `<style>`, so a
/// Content-Security-Policy without `'unsafe-inline'` styles works.
const STYLE: &str = include_str!("ui/style.css");

thread_local! {
    static SHEET: Option<web_sys::CssStyleSheet> = {
        let sheet = web_sys::CssStyleSheet::new().ok();
        if let Some(sheet) = &sheet {
            let _ = sheet.replace_sync(STYLE);
        }
        sheet
    };
}

/// Gives a shadow root the widget's styles.
pub fn adopt_styles(shadow: &web_sys::ShadowRoot) {
    SHEET.with(|sheet| {
        if let Some(sheet) = sheet {
            let sheets = js_sys::Array::of1(sheet);
            shadow.set_adopted_style_sheets(&sheets);
        }
    });
}
