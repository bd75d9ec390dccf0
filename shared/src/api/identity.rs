use super::ApiError;
use crate::ids::SellerId;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::collections::HashMap;

/// What a caller may do, from the identity provider's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Customer,
    Seller,
    Admin,
}

/// The authenticated caller. API Gateway's authorizer (the JWT one, or the shopper authorizer on
/// the routes guests call too) has already checked the token; this reads the claims it placed
/// in the request context, the one place every route takes identity from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: String,
    pub roles: Vec<Role>,
    /// The ID token's `email`, when Cognito verified it (`email_verified`): where the caller's
    /// messages go. An access token carries none.
    email: Option<crate::notifications::EmailAddress>,
}

impl Caller {
    pub fn from_request(request: &Request) -> Result<Self, ApiError> {
        let claims = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => {
                context.authorizer.as_ref().map(authorizer_claims)
            }
            _ => None,
        }
        .ok_or(ApiError::Unauthenticated)?;
        let id = claims
            .get("sub")
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let roles = claims
            .get("cognito:groups")
            .map(|groups| parse_groups(groups))
            .unwrap_or_default();
        Ok(Self {
            id: id.clone(),
            roles,
            email: verified_email(&claims),
        })
    }

    /// The caller's verified email address, if their token carries one.
    pub fn email_address(&self) -> Option<&crate::notifications::EmailAddress> {
        self.email.as_ref()
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if !self.roles.contains(&Role::Admin) {
            return Err(ApiError::Forbidden("this route is for admins".into()));
        }
        Ok(())
    }

    /// The signed-in shopper's cart.
    pub fn cart(&self) -> crate::cart::CartOwner {
        crate::cart::CartOwner::Customer(self.id.clone())
    }

    /// The seller's id, or 403 when the caller is not a seller.
    pub fn seller_id(&self) -> Result<SellerId, ApiError> {
        if !self.roles.contains(&Role::Seller) {
            return Err(ApiError::Forbidden("this route is for sellers".into()));
        }
        self.id.parse().map_err(|_| ApiError::Unauthenticated)
    }
}

/// The JWT authorizer's claims, or the same claims as the shopper authorizer (a Lambda) passes
/// them on; a guest passes that one with none.
fn authorizer_claims(
    authorizer: &lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer,
) -> HashMap<String, String> {
    match &authorizer.jwt {
        Some(jwt) => jwt.claims.clone(),
        None => authorizer
            .fields
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
            .collect(),
    }
}

fn verified_email(claims: &HashMap<String, String>) -> Option<crate::notifications::EmailAddress> {
    if claims.get("email_verified").map(String::as_str) != Some("true") {
        return None;
    }
    crate::notifications::EmailAddress::try_from(claims.get("email")?.clone())
        .inspect_err(|rule| tracing::warn!(rule, "the token's email claim is no address"))
        .ok()
}

/// API Gateway renders a list claim as `[a b]`; a JSON array or a comma list also occur.
fn parse_groups(raw: &str) -> Vec<Role> {
    raw.trim_matches(|c| c == '[' || c == ']')
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|group| group.trim_matches('"'))
        .filter_map(|group| match group {
            "customer" | "customers" => Some(Role::Customer),
            "seller" | "sellers" => Some(Role::Seller),
            "admin" | "admins" => Some(Role::Admin),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_in_every_rendering() {
        assert_eq!(
            parse_groups("[seller admin]"),
            vec![Role::Seller, Role::Admin]
        );
        assert_eq!(
            parse_groups(r#"["seller","customer"]"#),
            vec![Role::Seller, Role::Customer]
        );
        assert_eq!(parse_groups("customers"), vec![Role::Customer]);
        assert_eq!(parse_groups("[]"), vec![]);
    }

    fn request_with(authorizer: serde_json::Value) -> Request {
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "GET /api/v1/cart", "rawPath": "/api/v1/cart",
            "rawQueryString": "", "headers": {},
            "requestContext": {"accountId": "1", "apiId": "a", "domainName": "d", "domainPrefix": "d",
                "http": {"method": "GET", "path": "/api/v1/cart", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "t"},
                "requestId": "r", "routeKey": "GET /api/v1/cart", "stage": "$default",
                "time": "t", "timeEpoch": 0, "authorizer": authorizer},
            "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    #[test]
    fn the_shopper_authorizers_claims_are_read_as_the_jwt_authorizers() {
        let claims = serde_json::json!({"sub": "c-1", "cognito:groups": "[customer]",
                                        "email": "c@example.com", "email_verified": "true"});
        for authorizer in [
            serde_json::json!({"jwt": {"claims": claims, "scopes": null}}),
            serde_json::json!({ "lambda": claims }),
        ] {
            let caller = Caller::from_request(&request_with(authorizer)).unwrap();
            assert_eq!(caller.id, "c-1");
            assert_eq!(caller.roles, vec![Role::Customer]);
            assert!(caller.email_address().is_some());
        }
        // A guest: the shopper authorizer let the request through with no claims.
        assert!(matches!(
            Caller::from_request(&request_with(serde_json::json!({"lambda": {}}))),
            Err(ApiError::Unauthenticated)
        ));
    }

    #[test]
    fn a_request_without_claims_is_unauthenticated() {
        let request = Request::default();
        assert!(matches!(
            Caller::from_request(&request),
            Err(ApiError::Unauthenticated)
        ));
    }
}
