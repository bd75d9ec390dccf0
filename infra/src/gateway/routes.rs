//! The route table: the HTTP API routes template.yaml declares, and matching a request to one.

use crate::template::Template;
use anyhow::Context;
use serde_json::{Map, Value};

/// One route of the HTTP API.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub function: String,
    pub auth: RouteAuth,
}

/// Who may call a route: what its authorizer lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAuth {
    Anyone,
    /// A valid bearer token: the HTTP API's JWT authorizer.
    Jwt,
    /// What this Lambda authorizer (the function's logical id) decides.
    Lambda(String),
}

impl Route {
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The path parameters when `method path` is this route.
    pub fn matches(&self, method: &str, path: &str) -> Option<Map<String, Value>> {
        if self.method != "ANY" && self.method != method {
            return None;
        }
        self.path_parameters(path)
    }

    /// How specific the route is, as API Gateway ranks routes that all match a request: a
    /// literal segment beats a parameter at the first place they differ, so
    /// `/products/search` wins over `/products/{id}`; a greedy `{proxy+}` loses to both.
    pub fn specificity(&self) -> Vec<u8> {
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| match segment {
                s if s.ends_with("+}") => 0,
                s if s.starts_with('{') => 1,
                _ => 2,
            })
            .collect()
    }

    /// The path parameters when `path` fits this route's path template.
    pub fn path_parameters(&self, path: &str) -> Option<Map<String, Value>> {
        let mut params = Map::new();
        let mut actual = path.trim_start_matches('/').split('/');
        for segment in self.path.trim_start_matches('/').split('/') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(greedy) if greedy.ends_with('+') => {
                    let rest: Vec<&str> = actual.by_ref().collect();
                    params.insert(
                        greedy.trim_end_matches('+').to_owned(),
                        Value::String(decode(&rest.join("/"))),
                    );
                    return (!rest.is_empty()).then_some(params);
                }
                Some(name) => params.insert(
                    name.to_owned(),
                    Value::String(decode(actual.next().filter(|s| !s.is_empty())?)),
                ),
                None if actual.next()? == segment => None,
                None => return None,
            };
        }
        actual.next().is_none().then_some(params)
    }
}

pub(super) fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The HTTP API routes `template` declares.
pub fn routes(template: &Template) -> anyhow::Result<Vec<Route>> {
    let api = template
        .of_kind("AWS::Serverless::HttpApi")
        .map(|(_, api)| &api.properties)
        .next();
    let default_authorizer = api
        .and_then(|api| api.pointer("/Auth/DefaultAuthorizer"))
        .and_then(Value::as_str);
    let authorizers = api
        .and_then(|api| api.pointer("/Auth/Authorizers"))
        .and_then(Value::as_object);
    let mut routes = Vec::new();
    for (id, _, _, properties) in template.function_events(&["HttpApi"]) {
        let method = properties
            .get("Method")
            .and_then(Value::as_str)
            .unwrap_or("ANY")
            .to_ascii_uppercase();
        let path = properties
            .get("Path")
            .and_then(Value::as_str)
            .with_context(|| format!("{id}: an HttpApi event without Path"))?;
        let auth = match properties
            .pointer("/Auth/Authorizer")
            .and_then(Value::as_str)
            .or(default_authorizer)
        {
            None | Some("NONE") => RouteAuth::Anyone,
            Some(name) => {
                let authorizer = authorizers
                    .and_then(|all| all.get(name))
                    .with_context(|| format!("{id}: no authorizer {name} in the HttpApi"))?;
                match authorizer.pointer("/FunctionArn/Fn::GetAtt/0") {
                    Some(function) => RouteAuth::Lambda(
                        function
                            .as_str()
                            .with_context(|| format!("authorizer {name}: FunctionArn"))?
                            .to_owned(),
                    ),
                    None => RouteAuth::Jwt,
                }
            }
        };
        routes.push(Route {
            method: if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
                "ANY".to_owned()
            } else {
                method
            },
            path: path.to_owned(),
            function: id.clone(),
            auth,
        });
    }
    Ok(routes)
}
