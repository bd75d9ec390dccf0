//! What arrives to be told (an order event, a product alert) and the message it becomes: a
//! subject, a plain-text and an HTML body rendered from the templates in
//! `shared/templates/notifications` (askama checks them when the crate compiles and escapes what
//! goes into the HTML).

use crate::catalog::{AlertKind, ProductAlert};
use crate::orders::OrderEvent;
use anyhow::Context;
use askama::Template;
use serde::Deserialize;

/// The order events customers are told of, each with its subject (`{order}` and `{return}` the
/// ids); the others are steps they took or see themselves. `NotificationsQueue`'s filter policy
/// lets these through and no others (a test checks they agree).
pub const TOLD_ORDER_EVENTS: [(&str, &str); 8] = [
    ("OrderPlaced", "Your Rainforest order {order}"),
    ("OrderShipped", "Your order {order} has shipped"),
    ("OrderDelivered", "Your order {order} was delivered"),
    ("OrderCancelled", "Your order {order} is cancelled"),
    ("OrderFailed", "We could not complete your order {order}"),
    ("ReturnApproved", "Your return {return} is approved"),
    ("ReturnRejected", "Your return {return} was declined"),
    ("ReturnRefunded", "Your refund for return {return}"),
];

/// What a message is for, which decides whether the customer's preferences let it go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Orders, shipments, returns and refunds: transactional.
    OrderUpdates,
    PriceDrops,
    BackInStock,
}

/// One event from the notifications queue.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Order(OrderEvent),
    Product(ProductAlert),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub purpose: Purpose,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "notifications/message.txt")]
struct Text<'a> {
    letter: &'a Letter,
}

#[derive(Template)]
#[template(path = "notifications/message.html")]
struct Html<'a> {
    letter: &'a Letter,
}

/// What both templates show.
struct Letter {
    kind: String,
    subject: String,
    order_id: String,
    return_id: String,
    items: u32,
    title: String,
    price: String,
    was: String,
    link: String,
    action: &'static str,
}

impl std::ops::Deref for Text<'_> {
    type Target = Letter;
    fn deref(&self) -> &Letter {
        self.letter
    }
}

impl std::ops::Deref for Html<'_> {
    type Target = Letter;
    fn deref(&self) -> &Letter {
        self.letter
    }
}

#[derive(Deserialize)]
struct EventType {
    event_type: String,
}

impl Notice {
    /// A queue message's body: a product alert or an order event, told apart by `event_type`.
    pub fn parse(body: &str) -> anyhow::Result<Self> {
        let EventType { event_type } =
            serde_json::from_str(body).context("a message without an event_type")?;
        if event_type == AlertKind::PriceDropped.as_str()
            || event_type == AlertKind::BackInStock.as_str()
        {
            let alert = serde_json::from_str(body).context("decoding a product alert")?;
            return Ok(Self::Product(alert));
        }
        let event = serde_json::from_str(body).context("decoding an order event")?;
        Ok(Self::Order(event))
    }

    /// What receivers dedupe on: each event is told once.
    pub fn event_id(&self) -> &str {
        match self {
            Self::Order(event) => &event.event_id,
            Self::Product(alert) => &alert.event_id,
        }
    }

    /// The message this event becomes, its links into `storefront`; `None` for the order events
    /// not in [`TOLD_ORDER_EVENTS`].
    pub fn message(&self, storefront: &str) -> anyhow::Result<Option<Message>> {
        let Some((purpose, letter)) = self.letter(storefront) else {
            return Ok(None);
        };
        Ok(Some(Message {
            purpose,
            text: Text { letter: &letter }
                .render()
                .context("rendering a text message")?,
            html: Html { letter: &letter }
                .render()
                .context("rendering an HTML message")?,
            subject: letter.subject,
        }))
    }

    fn letter(&self, storefront: &str) -> Option<(Purpose, Letter)> {
        let blank = Letter {
            kind: String::new(),
            subject: String::new(),
            order_id: String::new(),
            return_id: String::new(),
            items: 0,
            title: String::new(),
            price: String::new(),
            was: String::new(),
            link: String::new(),
            action: "",
        };
        match self {
            Self::Order(event) => {
                let order = event.order_id.to_string();
                let ret = event.return_id.map(|id| id.to_string()).unwrap_or_default();
                let (_, subject) = TOLD_ORDER_EVENTS
                    .iter()
                    .find(|(told, _)| *told == event.event_type)?;
                let subject = subject.replace("{order}", &order).replace("{return}", &ret);
                let letter = Letter {
                    kind: event.event_type.clone(),
                    subject,
                    items: event.lines.iter().map(|line| line.quantity).sum(),
                    link: format!("{storefront}/orders/{order}"),
                    order_id: order,
                    return_id: ret,
                    action: "See your order",
                    ..blank
                };
                Some((Purpose::OrderUpdates, letter))
            }
            Self::Product(alert) => {
                let (purpose, subject) = match alert.event_type {
                    AlertKind::PriceDropped => {
                        (Purpose::PriceDrops, format!("Price drop: {}", alert.title))
                    }
                    AlertKind::BackInStock => (
                        Purpose::BackInStock,
                        format!("Back in stock: {}", alert.title),
                    ),
                };
                let letter = Letter {
                    kind: alert.event_type.as_str().to_owned(),
                    subject,
                    title: alert.title.clone(),
                    price: alert.landed_price.to_string(),
                    was: alert.was.map(|was| was.to_string()).unwrap_or_default(),
                    link: format!("{storefront}/products/{}", alert.product_id),
                    action: "See the product",
                    ..blank
                };
                Some((purpose, letter))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STOREFRONT: &str = "https://www.rainforest.example";

    fn order_event(event_type: &str) -> String {
        json!({
            "event_id": format!("01KAN0000000000000000000D1#{event_type}"),
            "event_type": event_type, "order_id": "01KAN0000000000000000000D1",
            "customer_id": "ada", "status": "pending", "at": "2026-12-01T10:00:00Z",
            "lines": [{"product_id": "01KAN0000000000000000000P1", "sku": "KETTLE-1", "quantity": 2}]
        })
        .to_string()
    }

    #[test]
    fn an_order_event_becomes_a_transactional_message_in_text_and_html() {
        let notice = Notice::parse(&order_event("OrderPlaced")).unwrap();
        assert_eq!(notice.event_id(), "01KAN0000000000000000000D1#OrderPlaced");
        let message = notice.message(STOREFRONT).unwrap().unwrap();
        assert_eq!(message.purpose, Purpose::OrderUpdates);
        assert_eq!(
            message.subject,
            "Your Rainforest order 01KAN0000000000000000000D1"
        );
        assert!(
            message
                .text
                .contains("Thank you for your order 01KAN0000000000000000000D1: 2 item(s)."),
            "{}",
            message.text
        );
        assert!(
            message
                .text
                .contains("https://www.rainforest.example/orders/01KAN0000000000000000000D1")
        );
        assert!(!message.text.contains('<'), "no markup in the text body");
        assert!(
            message
                .html
                .contains("<strong>01KAN0000000000000000000D1</strong>: 2 item(s)"),
            "{}",
            message.html
        );
        assert!(message.html.contains(r#"<a href="https://www.rainforest.example/orders/01KAN0000000000000000000D1">See your order</a>"#));
    }

    #[test]
    fn quiet_steps_become_no_message() {
        for quiet in [
            "OrderPaid",
            "ReturnRequested",
            "ReturnInTransit",
            "ReturnReceived",
        ] {
            let notice = Notice::parse(&order_event(quiet)).unwrap();
            assert_eq!(notice.message(STOREFRONT).unwrap(), None, "{quiet}");
        }
    }

    #[test]
    fn a_price_drop_shows_both_prices_and_escapes_the_title_in_html() {
        let body = json!({
            "event_id": "r1", "event_type": "price_dropped", "product_id": "01KAN0000000000000000000P1",
            "title": "Kettle <Pro> & more",
            "landed_price": {"amount": 1999, "currency": "USD"}, "was": {"amount": 2499, "currency": "USD"}
        });
        let message = Notice::parse(&body.to_string())
            .unwrap()
            .message(STOREFRONT)
            .unwrap()
            .unwrap();
        assert_eq!(message.purpose, Purpose::PriceDrops);
        assert_eq!(message.subject, "Price drop: Kettle <Pro> & more");
        assert!(
            message.text.contains(
                "Kettle <Pro> & more, which you are watching, is now USD 19.99 (was USD 24.99)."
            ),
            "{}",
            message.text
        );
        assert!(
            message.html.contains("Kettle &#60;Pro&#62; &#38; more")
                || message.html.contains("Kettle &lt;Pro&gt; &amp; more"),
            "{}",
            message.html
        );
        assert!(!message.html.contains("<Pro>"));
    }

    #[test]
    fn what_is_neither_an_order_event_nor_an_alert_is_refused() {
        assert!(Notice::parse("not json").is_err());
        assert!(Notice::parse(r#"{"hello": 1}"#).is_err());
        assert!(Notice::parse(r#"{"event_type": "price_dropped"}"#).is_err());
    }
}
