//! The SDK clients, built once per process from the default chain (`AWS_ENDPOINT_URL` is
//! honoured, so moto works), and how their errors are told apart.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Every client the back ends and the Lambdas use.
#[derive(Clone, Debug)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub ddb: aws_sdk_dynamodb::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl Clients {
    /// Loads the shared configuration once; S3 is path-style so a `localhost` endpoint resolves.
    pub async fn from_env() -> Clients {
        let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let s3 = aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build();
        Clients {
            s3: aws_sdk_s3::Client::from_conf(s3),
            ddb: aws_sdk_dynamodb::Client::new(&conf),
            ecs: aws_sdk_ecs::Client::new(&conf),
            sqs: aws_sdk_sqs::Client::new(&conf),
        }
    }
}

/// `code: message` for a service error, the whole source chain otherwise.
pub fn describe<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let SdkError::ServiceError(s) = e {
        return format!(
            "{}: {}",
            s.err().code().unwrap_or("error"),
            s.err().message().unwrap_or_default()
        );
    }
    let mut m = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        m.push_str(": ");
        m.push_str(&s.to_string());
        src = s.source();
    }
    m
}

/// Worth retrying later: throttling, server-side errors, the network.
pub fn transient<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    match e {
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or_default();
            code.contains("Throttl")
                || code.contains("ProvisionedThroughputExceeded")
                || code.contains("LimitExceeded")
                || code == "ServerException"
                || code == "InternalServerError"
                || code == "ServiceUnavailable"
                || code == "SlowDown"
        }
        SdkError::ConstructionFailure(_) => false,
        _ => true,
    }
}
