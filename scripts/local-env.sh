# Environment for talking to the local stack through the real AWS SDK.
# Source it: `. scripts/local-env.sh`. Ports can be overridden beforehand.
export RELANCE_DYNAMODB_PORT="${RELANCE_DYNAMODB_PORT:-8000}"
export RELANCE_SES_PORT="${RELANCE_SES_PORT:-8005}"
export RELANCE_S3_PORT="${RELANCE_S3_PORT:-8010}"
export RELANCE_STRIPE_PORT="${RELANCE_STRIPE_PORT:-8015}"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${RELANCE_DYNAMODB_PORT}"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:${RELANCE_SES_PORT}"
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:${RELANCE_S3_PORT}"
# The card provider's stand-in (localstripe); the functions use it only
# when given RELANCE_STRIPE_API and a key.
export RELANCE_STRIPE_STAND_IN="http://127.0.0.1:${RELANCE_STRIPE_PORT}"
# The archive bucket of a local run (tests make their own).
export RELANCE_ARCHIVE_BUCKET="${RELANCE_ARCHIVE_BUCKET:-relance-archive-local}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-eu-west-3}"
# Nothing on this machine should try EC2 metadata or a shared profile.
export AWS_EC2_METADATA_DISABLED=true
