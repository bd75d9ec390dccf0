//! Which reviews wait for an admin before anyone sees them: abuse, advertising, ways to reach
//! the reviewer off the site, and bursts of posting that look like paid reviews.

use serde::{Deserialize, Serialize};

/// Reviews one customer may post in a clock hour before the rest are held.
pub const POSTS_PER_HOUR: u32 = 5;

/// Why a review is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    BannedWords,
    Link,
    ContactDetails,
    /// More than [`POSTS_PER_HOUR`] reviews from its author in the hour.
    PostingTooOften,
}

/// Words no published review may contain (whole words, any case).
const BANNED: &[&str] = &[
    "fuck", "fucking", "shit", "bitch", "cunt", "asshole", "viagra", "casino", "escort",
];

/// Endings that make a word a web address.
const DOMAINS: &[&str] = &[
    "com", "net", "org", "io", "co", "biz", "info", "shop", "store", "xyz", "ru", "cn", "ly",
];

/// What holds a review of this `title` and `text` whose author has posted `posts_this_hour`
/// reviews in the hour, this one included. Empty: it may go up at once.
pub fn screen(title: &str, text: &str, posts_this_hour: u32) -> Vec<Hold> {
    let all = format!("{title}\n{text}");
    let mut holds = Vec::new();
    if words(&all).any(|word| BANNED.contains(&word.as_str())) {
        holds.push(Hold::BannedWords);
    }
    if all.split_whitespace().any(is_link) {
        holds.push(Hold::Link);
    }
    if all.split_whitespace().any(is_email) || has_phone_number(&all) {
        holds.push(Hold::ContactDetails);
    }
    if posts_this_hour > POSTS_PER_HOUR {
        holds.push(Hold::PostingTooOften);
    }
    holds
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// `http://…`, `www.…`, or a name ending in a known domain (`deals.shop`, `x.co/abc`).
fn is_link(token: &str) -> bool {
    let token = token
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if token.contains("://") || token.starts_with("www.") {
        return true;
    }
    let host = token.split('/').next().unwrap_or_default();
    let mut labels = host.split('.');
    let first = labels.next().unwrap_or_default();
    let rest: Vec<&str> = labels.collect();
    !first.is_empty()
        && !first.contains('@')
        && rest.last().is_some_and(|tld| DOMAINS.contains(tld))
        && rest.iter().all(|label| !label.is_empty())
}

fn is_email(token: &str) -> bool {
    let token = token.trim_matches(|c: char| !c.is_alphanumeric());
    match token.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.')
        }
        None => false,
    }
}

/// Nine or more digits in at most four groups, joined by the separators phone numbers use
/// (`+1 (555) 010-4477`, `555.010.4477`); a date, a price or a size is shorter, and a list of
/// sizes (`10 12 14 16 18`) has more groups.
fn has_phone_number(text: &str) -> bool {
    let (mut digits, mut groups, mut in_group) = (0, 0, false);
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            if !in_group {
                groups += 1;
                in_group = true;
            }
            if digits >= 9 && groups <= 4 {
                return true;
            }
        } else {
            in_group = false;
            if !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+') {
                (digits, groups) = (0, 0);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(text: &str) -> Vec<Hold> {
        screen("A title", text, 1)
    }

    #[test]
    fn an_ordinary_review_goes_up() {
        for text in [
            "Fits my 2019 car. Bought 2 packs of 10 for $24.99 in size 10.5.",
            "Works well.\n\nThe e.g. manual is clear, i.e. no surprises. 5 stars!",
            "Shipped 12-03-2026, arrived in 3 days.",
            "Scunthorpe fans will love it.",
            "Comes in sizes 10 12 14 16 18.",
        ] {
            assert_eq!(holds(text), [], "{text}");
        }
    }

    #[test]
    fn abuse_links_and_contact_details_are_held() {
        assert_eq!(holds("This is SHIT."), [Hold::BannedWords]);
        assert_eq!(screen("Fucking great", "ok", 1), [Hold::BannedWords]);
        for text in [
            "Cheaper at https://example.org/deal",
            "see www.deals.example",
            "Buy at cheapdeals.shop now",
            "(bit.ly/abc)",
        ] {
            assert_eq!(holds(text), [Hold::Link], "{text}");
        }
        for text in [
            "Mail me: ada@example.org",
            "Call +1 (555) 010-4477",
            "text 5550104477",
            "ring +44 20 7946 0958",
        ] {
            assert_eq!(holds(text), [Hold::ContactDetails], "{text}");
        }
    }

    #[test]
    fn the_sixth_review_in_an_hour_is_held() {
        assert_eq!(screen("t", "fine", POSTS_PER_HOUR), []);
        assert_eq!(
            screen("t", "fine", POSTS_PER_HOUR + 1),
            [Hold::PostingTooOften]
        );
    }
}
