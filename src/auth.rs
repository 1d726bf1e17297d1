//! OAuth client credentials, token lifetime, SecretString. OWNER: feed helper.
