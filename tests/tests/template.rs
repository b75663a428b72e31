//! The SAM template: every function is an arm64 Rust function built with
//! cargo-lambda, and its role allows exactly what its code does — the
//! DynamoDB operations and indexes it uses, SES on the configured identity
//! and configuration set, nothing with a wildcard.

use std::collections::BTreeSet;

use relance_e2e::table::TEMPLATE;
use serde_norway::Value;

fn template() -> Value {
    serde_norway::from_str(TEMPLATE).expect("infra/template.yaml is YAML")
}

/// A value as written in the template: `!Sub "x"` stays `!Sub x`.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => format!("{} {}", t.tag, text(&t.value)),
        other => format!("{other:?}"),
    }
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(items) => items.iter().map(text).collect(),
        one => vec![text(one)],
    }
}

/// Every (action, resource) the function's inline policies allow.
fn grants(function: &str) -> BTreeSet<(String, String)> {
    grants_in(&template(), function)
}

fn grants_in(t: &Value, function: &str) -> BTreeSet<(String, String)> {
    let policies = &t["Resources"][function]["Properties"]["Policies"];
    let mut out = BTreeSet::new();
    for policy in policies.as_sequence().expect("inline policies") {
        for statement in policy["Statement"].as_sequence().expect("statements") {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"));
            for action in list(&statement["Action"]) {
                for resource in list(&statement["Resource"]) {
                    out.insert((action.clone(), resource));
                }
            }
        }
    }
    out
}

fn table_access(actions: &[&str], resources: &[&str]) -> BTreeSet<(String, String)> {
    actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| (format!("dynamodb:{a}"), r.to_string())))
        .collect()
}

const TABLE: &str = "!GetAtt Table.Arn";
const OPEN: &str = "!Sub ${Table.Arn}/index/open-invoices";
const OUTBOX: &str = "!Sub ${Table.Arn}/index/outbox";
const TODO: &str = "!Sub ${Table.Arn}/index/todo";
/// The portfolio: the relationship balance (`GET /balance`) reads it.
const CUSTOMERS: &str = "!Sub ${Table.Arn}/index/customers";
// Transactions are authorised item by item: Put and Update cover them.
const TABLE_ACTIONS: [&str; 4] = ["GetItem", "Query", "PutItem", "UpdateItem"];

fn ses() -> BTreeSet<(String, String)> {
    [
        "!Sub arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderDomain}",
        "!Sub arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${TransactionalConfigurationSet}",
    ]
    .iter()
    .map(|r| ("ses:SendEmail".to_string(), r.to_string()))
    .collect()
}

/// Surveys go through their own configuration set; functions that sweep
/// the outbox may send one left pending.
fn survey_set() -> (String, String) {
    (
        "ses:SendEmail".into(),
        "!Sub arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${SurveyConfigurationSet}"
            .into(),
    )
}

#[test]
fn the_finance_api_may_read_and_write_the_table_and_send_email_nothing_more() {
    // The to-do is read from its own index (GET /todo).
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE, OPEN, OUTBOX, TODO, CUSTOMERS]);
    expected.extend(ses());
    expected.insert(survey_set());
    assert_eq!(grants("IssueInvoiceFunction"), expected);
}

#[test]
fn the_bank_routes_and_the_statement_importer_use_the_table_thank_and_read_only_dropped_statements() {
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE, OPEN]);
    // An import reads which of its entries an earlier one recorded.
    expected.extend(table_access(&["BatchGetItem"], &[TABLE]));
    expected.extend(ses());
    assert_eq!(grants("BankStatementsFunction"), expected);
    expected.insert((
        "s3:GetObject".into(),
        "!Sub arn:${AWS::Partition}:s3:::relance-${Stage}-statements-${AWS::AccountId}-${AWS::Region}/statements/*"
            .into(),
    ));
    assert_eq!(grants("ImportStatementFunction"), expected);
    let t = template();
    let bucket = &t["Resources"]["StatementsBucket"]["Properties"];
    assert_eq!(
        text(&bucket["BucketName"]),
        "!Sub relance-${Stage}-statements-${AWS::AccountId}-${AWS::Region}"
    );
    assert_eq!(
        bucket["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"].as_bool(),
        Some(true)
    );
    let dropped = &t["Resources"]["ImportStatementFunction"]["Properties"]["Events"]["Dropped"]["Properties"];
    assert_eq!(text(&dropped["Bucket"]), "!Ref StatementsBucket");
    assert_eq!(
        dropped["Filter"]["S3Key"]["Rules"][0]["Value"].as_str(),
        Some("statements/")
    );
}

#[test]
fn the_card_webhook_uses_the_table_thanks_and_reads_only_its_signing_secret() {
    let t = template();
    let policies = &t["Resources"]["PaymentWebhookFunction"]["Properties"]["Policies"][0]["Statement"];
    let secret = policies
        .as_sequence()
        .expect("statements")
        .iter()
        .find(|s| text(&s["Action"]) == "secretsmanager:GetSecretValue")
        .expect("the secret's statement");
    assert!(
        text(&secret["Resource"]).contains("StripeWebhookSecretArn"),
        "{:?}",
        secret["Resource"]
    );
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE]);
    expected.extend(ses());
    let granted: BTreeSet<(String, String)> =
        grants_except(&t, "PaymentWebhookFunction", "secretsmanager:GetSecretValue");
    assert_eq!(granted, expected);
    let route = &t["Resources"]["PaymentWebhookFunction"]["Properties"]["Events"]["Stripe"]["Properties"];
    assert_eq!(text(&route["ApiId"]), "!Ref CustomerPagesApi");
    assert_eq!(route["Path"].as_str(), Some("/payments/stripe"));
}

/// `grants`, without one action (whose resource is a condition).
fn grants_except(t: &Value, function: &str, action: &str) -> BTreeSet<(String, String)> {
    let policies = &t["Resources"][function]["Properties"]["Policies"];
    let mut out = BTreeSet::new();
    for policy in policies.as_sequence().expect("inline policies") {
        for statement in policy["Statement"].as_sequence().expect("statements") {
            for a in list(&statement["Action"]).into_iter().filter(|a| a != action) {
                for resource in list(&statement["Resource"]) {
                    out.insert((a.clone(), resource));
                }
            }
        }
    }
    out
}

#[test]
fn the_console_uses_the_table_and_its_lists_deletes_only_sessions_and_signs_in_through_the_pool() {
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE, OPEN, TODO, CUSTOMERS]);
    expected.extend(table_access(&["BatchGetItem", "DeleteItem"], &[TABLE]));
    // An invoice's page signs download links to the archived files.
    expected.insert(("s3:GetObject".into(), "!Sub ${ArchiveBucket.Arn}/*".into()));
    assert_eq!(grants("FinanceConsoleFunction"), expected);
    let t = template();
    let r = &t["Resources"];
    let pool = &r["ConsoleUserPool"]["Properties"];
    assert_eq!(
        pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"].as_bool(),
        Some(true)
    );
    let groups: BTreeSet<String> = ["ConsoleFinanceGroup", "ConsoleApproverGroup"]
        .iter()
        .map(|g| text(&r[*g]["Properties"]["GroupName"]))
        .collect();
    assert_eq!(groups, BTreeSet::from(["finance".to_string(), "approver".to_string()]));
    // A public client: the code flow with PKCE, no secret, no password
    // sign-in that would skip the hosted page.
    let client = &r["ConsoleUserPoolClient"]["Properties"];
    assert_eq!(client["GenerateSecret"].as_bool(), Some(false));
    assert_eq!(list(&client["ExplicitAuthFlows"]), ["ALLOW_REFRESH_TOKEN_AUTH"]);
    let flows = text(&client["AllowedOAuthFlows"]);
    assert!(flows.contains("code") && !flows.contains("implicit"), "{flows}");
    assert!(text(&client["CallbackURLs"]).contains("${ConsoleUrl}/auth/callback"));
    assert!(text(&client["LogoutURLs"]).contains("${ConsoleUrl}/sign-in"));
    // The function is told exactly the four settings `oidc.rs` reads,
    // and the archive's bucket.
    let env = r["FinanceConsoleFunction"]["Properties"]["Environment"]["Variables"]
        .as_mapping()
        .expect("variables");
    let names: BTreeSet<&str> = env.keys().filter_map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "RELANCE_CONSOLE_URL",
            "RELANCE_COGNITO_DOMAIN",
            "RELANCE_COGNITO_ISSUER",
            "RELANCE_COGNITO_CLIENT_ID",
            "RELANCE_ARCHIVE_BUCKET"
        ])
    );
}

#[test]
fn the_credit_api_may_use_the_table_nothing_more() {
    // Its emails carry the credit note: the archive sends them.
    assert_eq!(grants("GrantCreditFunction"), table_access(&TABLE_ACTIONS, &[TABLE]));
    let t = template();
    let events = &t["Resources"]["GrantCreditFunction"]["Properties"]["Events"];
    let paths: Vec<String> = ["CustomerCredits", "CustomerCredit", "Portfolio"]
        .iter()
        .map(|e| text(&events[*e]["Properties"]["Path"]))
        .collect();
    assert_eq!(
        paths,
        [
            "/customers/{id}/credits",
            "/customers/{id}/credits/{proxy+}",
            "/credits/{proxy+}"
        ]
    );
}

#[test]
fn the_reminder_pass_may_also_continue_itself_and_report_failures_nothing_more() {
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE, OPEN, OUTBOX]);
    expected.extend(ses());
    expected.insert(survey_set());
    expected.insert((
        "lambda:InvokeFunction".into(),
        "!Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:relance-${Stage}-send-reminders"
            .into(),
    ));
    expected.insert(("sqs:SendMessage".into(), "!GetAtt DeadLetterQueue.Arn".into()));
    assert_eq!(grants("SendRemindersFunction"), expected);
}

#[test]
fn the_customer_pages_may_use_the_table_alert_finance_read_the_archive_and_the_card_key_nothing_more() {
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE]);
    expected.extend(ses());
    // The download links are signed with the pages' role.
    expected.insert(("s3:GetObject".into(), "!Sub ${ArchiveBucket.Arn}/*".into()));
    let t = template();
    assert_eq!(
        grants_except(&t, "CustomerLinksFunction", "secretsmanager:GetSecretValue"),
        expected
    );
    // The card provider's key: that one secret only, by its ARN, and
    // never its value in the template.
    let statements = &t["Resources"]["CustomerLinksFunction"]["Properties"]["Policies"][0]["Statement"];
    let secret = statements
        .as_sequence()
        .expect("statements")
        .iter()
        .find(|s| text(&s["Action"]) == "secretsmanager:GetSecretValue")
        .expect("the key's statement");
    assert!(
        text(&secret["Resource"]).contains("StripeSecretKeyArn"),
        "{:?}",
        secret["Resource"]
    );
    let variables = &t["Resources"]["CustomerLinksFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        text(&variables["RELANCE_STRIPE_SECRET_KEY_ARN"]),
        "!Ref StripeSecretKeyArn"
    );
    assert!(variables["RELANCE_STRIPE_SECRET_KEY"].is_null());
}

#[test]
fn survey_dispatch_may_use_the_table_send_through_the_survey_set_and_report_failures() {
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE]);
    expected.extend(ses());
    expected.insert(survey_set());
    expected.insert(("sqs:SendMessage".into(), "!GetAtt DeadLetterQueue.Arn".into()));
    assert_eq!(grants("DispatchSurveyFunction"), expected);
    let t = template();
    let stream = &t["Resources"]["DispatchSurveyFunction"]["Properties"]["Events"]["HistoryStream"]["Properties"];
    assert_eq!(list(&stream["FunctionResponseTypes"]), ["ReportBatchItemFailures"]);
    assert_eq!(
        text(&stream["DestinationConfig"]["OnFailure"]["Destination"]),
        "!GetAtt DeadLetterQueue.Arn"
    );
    let pattern = stream["FilterCriteria"]["Filters"][0]["Pattern"]
        .as_str()
        .expect("a filter");
    let pattern: serde_json::Value = serde_json::from_str(pattern).expect("the filter is JSON");
    let kinds = &pattern["dynamodb"]["NewImage"]["type"]["S"];
    // The filter lets through exactly the events the code treats as the
    // end of an interaction, the credit follow-up included.
    let mut filtered: Vec<&str> = kinds
        .as_array()
        .expect("a list of types")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let mut code = relance::domain::survey::trigger_kinds().to_vec();
    filtered.sort_unstable();
    code.sort_unstable();
    assert_eq!(filtered, code);
    assert!(code.contains(&"credit_follow_up_due"));
}

#[test]
fn the_document_emails_read_the_archive_and_send_nothing_else() {
    // The table as the outbox needs it (claim, record, sweep its lane),
    // the transactional configuration set, and reads of the archive.
    let mut expected = table_access(&TABLE_ACTIONS, &[TABLE, OUTBOX]);
    expected.extend(ses());
    expected.insert(("s3:GetObject".into(), "!Sub ${ArchiveBucket.Arn}/*".into()));
    expected.insert(("sqs:SendMessage".into(), "!GetAtt DeadLetterQueue.Arn".into()));
    assert_eq!(grants("SendDocumentsFunction"), expected);
    let t = template();
    let events = &t["Resources"]["SendDocumentsFunction"]["Properties"]["Events"];
    let pattern = events["HistoryStream"]["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"]
        .as_str()
        .expect("a filter");
    let pattern: serde_json::Value = serde_json::from_str(pattern).expect("the filter is JSON");
    assert_eq!(
        pattern["dynamodb"]["NewImage"]["type"]["S"],
        serde_json::json!(["documents_archived", "notice_archived"])
    );
    assert_eq!(
        text(&events["DocumentEmailSweep"]["Properties"]["ScheduleExpression"]),
        "rate(5 minutes)"
    );
}

#[test]
fn the_documents_only_read_and_the_archive_writes_once_into_a_locked_bucket() {
    // The export reads the customer's partition and records itself.
    assert_eq!(
        grants("InvoiceDocumentsFunction"),
        table_access(&["GetItem", "Query", "PutItem"], &[TABLE])
    );
    let mut expected = table_access(&["GetItem", "PutItem"], &[TABLE]);
    for action in ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"] {
        expected.insert((action.into(), "!Sub ${ArchiveBucket.Arn}/*".into()));
    }
    expected.insert(("sqs:SendMessage".into(), "!GetAtt DeadLetterQueue.Arn".into()));
    assert_eq!(
        grants("ArchiveDocumentsFunction"),
        expected,
        "no delete, no bucket-wide action"
    );
    let t = template();
    let bucket = &t["Resources"]["ArchiveBucket"];
    assert_eq!(text(&bucket["DeletionPolicy"]), "Retain");
    let p = &bucket["Properties"];
    assert_eq!(p["ObjectLockEnabled"].as_bool(), Some(true));
    let retention = &p["ObjectLockConfiguration"]["Rule"]["DefaultRetention"];
    assert_eq!(
        (text(&retention["Mode"]), retention["Years"].as_i64()),
        ("COMPLIANCE".into(), Some(10))
    );
    assert_eq!(text(&p["VersioningConfiguration"]["Status"]), "Enabled");
    assert_eq!(
        p["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"].as_bool(),
        Some(true)
    );
    let stream = &t["Resources"]["ArchiveDocumentsFunction"]["Properties"]["Events"]["HistoryStream"]["Properties"];
    let pattern = stream["FilterCriteria"]["Filters"][0]["Pattern"]
        .as_str()
        .expect("a filter");
    let pattern: serde_json::Value = serde_json::from_str(pattern).expect("the filter is JSON");
    let kinds: Vec<&str> = pattern["dynamodb"]["NewImage"]["type"]["S"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    // The kinds archive_documents::trigger acts on.
    assert_eq!(kinds, ["invoice_issued", "credit_granted", "formal_notice_due"]);
    assert_eq!(list(&stream["FunctionResponseTypes"]), ["ReportBatchItemFailures"]);
}

#[test]
fn every_function_is_an_arm64_rust_function_built_with_cargo_lambda() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(list(&globals["Architectures"]), ["arm64"]);
    let resources = t["Resources"].as_mapping().expect("resources");
    let mut binaries = Vec::new();
    for (name, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        assert_eq!(
            resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{name:?}"
        );
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("a binary")
            .to_string();
        assert!(
            std::path::Path::new(&format!(
                "{}/../functions/{binary}/Cargo.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .exists(),
            "{binary} is a package under functions/"
        );
        binaries.push(binary);
    }
    binaries.sort();
    assert_eq!(
        binaries,
        [
            "archive-documents",
            "bank-statements",
            "customer-links",
            "dispatch-survey",
            "finance-console",
            "grant-credit",
            "import-statement",
            "invoice-documents",
            "issue-invoice",
            "payment-webhook",
            "send-documents",
            "send-reminders",
            "ses-feedback"
        ]
    );
    assert!(
        !TEMPLATE.contains("Action: \"*\"") && !TEMPLATE.contains("Resource: \"*\""),
        "no wildcards"
    );
}

#[test]
fn bounces_and_complaints_of_both_sets_reach_the_feedback_function_which_only_reads_and_writes_items() {
    let t = template();
    let resources = &t["Resources"];
    // Both configuration sets publish bounces and complaints to the topic.
    let mut sets = Vec::new();
    for (_, resource) in resources.as_mapping().expect("resources") {
        if resource["Type"].as_str() != Some("AWS::SES::ConfigurationSetEventDestination") {
            continue;
        }
        let properties = &resource["Properties"];
        let destination = &properties["EventDestination"];
        assert_eq!(list(&destination["MatchingEventTypes"]), ["bounce", "complaint"]);
        assert_eq!(
            text(&destination["SnsDestination"]["TopicARN"]),
            "!Ref SesFeedbackTopic"
        );
        sets.push(text(&properties["ConfigurationSetName"]));
    }
    sets.sort();
    assert_eq!(
        sets,
        ["!Ref SurveyConfigurationSet", "!Ref TransactionalConfigurationSet"]
    );
    // SES (this account only) may publish to it.
    let statement = &resources["SesFeedbackTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(statement["Principal"]["Service"].as_str(), Some("ses.amazonaws.com"));
    assert_eq!(statement["Action"].as_str(), Some("sns:Publish"));
    assert!(!statement["Condition"]["StringEquals"]["AWS:SourceAccount"].is_null());
    let sources = list(&statement["Condition"]["ArnLike"]["AWS:SourceArn"]);
    assert_eq!(sources.len(), 2, "{sources:?}");
    for set in ["${TransactionalConfigurationSet}", "${SurveyConfigurationSet}"] {
        assert!(
            sources.iter().any(|s| s.starts_with("!Sub arn:${AWS::Partition}:ses:")
                && s.ends_with(&format!(":configuration-set/{set}"))),
            "only relance's configuration sets publish: {sources:?}"
        );
    }
    // The function reads the profile and writes the profile, the event and
    // the marker (a transaction of puts): no query, no update, no email.
    let function = &resources["SesFeedbackFunction"]["Properties"];
    assert_eq!(
        text(&function["Events"]["Notifications"]["Properties"]["Topic"]),
        "!Ref SesFeedbackTopic"
    );
    assert_eq!(
        text(&function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"]),
        "!GetAtt DeadLetterQueue.Arn"
    );
    let mut expected = table_access(&["GetItem", "PutItem"], &[TABLE]);
    expected.insert(("sqs:SendMessage".into(), "!GetAtt DeadLetterQueue.Arn".into()));
    assert_eq!(grants("SesFeedbackFunction"), expected);
}

#[test]
fn every_function_has_an_error_alarm_and_counts_in_the_throttle_alarm() {
    let t = template();
    let resources = t["Resources"].as_mapping().expect("resources");
    let functions: BTreeSet<String> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .filter_map(|(name, _)| name.as_str().map(str::to_string))
        .collect();
    let dimension_of = |metric: &Value| text(&metric["Dimensions"][0]["Value"]);
    let mut with_errors = BTreeSet::new();
    let mut throttled = BTreeSet::new();
    for (_, r) in resources {
        if r["Type"].as_str() != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        let p = &r["Properties"];
        assert!(!p["AlarmActions"].is_null(), "every alarm notifies someone");
        if p["MetricName"].as_str() == Some("Errors") {
            with_errors.insert(dimension_of(p).trim_start_matches("!Ref ").to_string());
        }
        for m in p["Metrics"].as_sequence().into_iter().flatten() {
            let metric = &m["MetricStat"]["Metric"];
            if metric["MetricName"].as_str() == Some("Throttles") {
                throttled.insert(dimension_of(metric).trim_start_matches("!Ref ").to_string());
            }
        }
    }
    assert_eq!(with_errors, functions);
    assert_eq!(throttled, functions);
    // The expression sums every series it declares.
    let throttles = &t["Resources"]["ThrottlesAlarm"]["Properties"]["Metrics"];
    let expression = throttles[0]["Expression"].as_str().expect("an expression");
    for m in throttles.as_sequence().expect("metrics").iter().skip(1) {
        let id = m["Id"].as_str().expect("an id");
        assert!(expression.contains(id), "{id} in {expression}");
    }
}

#[test]
fn the_table_is_on_demand_recoverable_streamed_and_protected_in_production() {
    let t = template();
    let table = &t["Resources"]["Table"];
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    let Value::Tagged(protection) = &p["DeletionProtectionEnabled"] else {
        panic!("DeletionProtectionEnabled is an !If on the stage");
    };
    assert_eq!(protection.tag.to_string(), "!If");
    assert_eq!(
        (
            protection.value[0].as_str(),
            protection.value[1].as_bool(),
            protection.value[2].as_bool()
        ),
        (Some("IsProd"), Some(true), Some(false))
    );
    assert_eq!(table["DeletionPolicy"].as_str(), Some("Retain"));
    assert_eq!(p["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true));
    assert_eq!(
        p["StreamSpecification"]["StreamViewType"].as_str(),
        Some("NEW_AND_OLD_IMAGES")
    );
}

#[test]
fn every_function_logs_to_its_own_group_with_a_retention() {
    let t = template();
    let resources = t["Resources"].as_mapping().expect("resources");
    let mut functions = 0;
    for (name, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        functions += 1;
        let name = name.as_str().expect("name");
        let group = format!("{name}Logs");
        assert_eq!(
            text(&resource["Properties"]["LoggingConfig"]["LogGroup"]),
            format!("!Ref {group}"),
            "{name} logs to its own group"
        );
        let logs = &t["Resources"][group.as_str()];
        assert_eq!(logs["Type"].as_str(), Some("AWS::Logs::LogGroup"), "{group}");
        assert_eq!(
            text(&logs["Properties"]["RetentionInDays"]),
            "!Ref LogRetentionDays",
            "{group}"
        );
    }
    assert!(functions >= 12, "{functions} functions");
}

/// The receiving stack, deployed where SES receives mail.
fn receiving() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/receiving.yaml"))
        .expect("infra/receiving.yaml");
    serde_norway::from_str(&text).expect("infra/receiving.yaml is YAML")
}

#[test]
fn replies_are_received_into_their_bucket_and_read_with_only_what_recording_them_needs() {
    let t = receiving();
    let table = "!Sub arn:${AWS::Partition}:dynamodb:${TableRegion}:${AWS::AccountId}:table/${TableName}";
    let expected: BTreeSet<(String, String)> = [
        (
            "s3:GetObject",
            "!Sub arn:${AWS::Partition}:s3:::relance-${Stage}-replies-${AWS::AccountId}-${AWS::Region}/replies/*",
        ),
        ("dynamodb:GetItem", table),
        ("dynamodb:PutItem", table),
        ("dynamodb:UpdateItem", table),
        ("dynamodb:Query", table),
        (
            "dynamodb:Query",
            "!Sub arn:${AWS::Partition}:dynamodb:${TableRegion}:${AWS::AccountId}:table/${TableName}/index/customers",
        ),
        (
            "ses:SendEmail",
            "!Sub arn:${AWS::Partition}:ses:${TableRegion}:${AWS::AccountId}:identity/${SenderDomain}",
        ),
        (
            "ses:SendEmail",
            "!Sub arn:${AWS::Partition}:ses:${TableRegion}:${AWS::AccountId}:configuration-set/relance-${Stage}-transactional",
        ),
    ]
    .iter()
    .map(|(a, r)| (a.to_string(), r.to_string()))
    .collect();
    assert_eq!(grants_in(&t, "ReceiveReplyFunction"), expected);
    let resources = &t["Resources"];
    let function = &resources["ReceiveReplyFunction"];
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"].as_str(),
        Some("receive-reply")
    );
    assert_eq!(text(&function["Properties"]["Architectures"][0]), "arm64");
    let received = &function["Properties"]["Events"]["Received"]["Properties"];
    assert_eq!(text(&received["Bucket"]), "!Ref RepliesBucket");
    assert_eq!(
        received["Filter"]["S3Key"]["Rules"][0]["Value"].as_str(),
        Some("replies/")
    );
    // SES writes where the function reads, and only SES of this account.
    let action = &resources["RepliesRule"]["Properties"]["Rule"]["Actions"][0]["S3Action"];
    assert_eq!(text(&action["BucketName"]), "!Ref RepliesBucket");
    assert_eq!(action["ObjectKeyPrefix"].as_str(), Some("replies/"));
    let statements = &resources["RepliesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"];
    let ses = &statements[0];
    assert_eq!(ses["Principal"]["Service"].as_str(), Some("ses.amazonaws.com"));
    assert_eq!(ses["Action"].as_str(), Some("s3:PutObject"));
    assert_eq!(
        text(&ses["Condition"]["StringEquals"]["aws:SourceAccount"]),
        "!Ref AWS::AccountId"
    );
    assert_eq!(statements[1]["Effect"].as_str(), Some("Deny"), "TLS only");
    let bucket = &resources["RepliesBucket"]["Properties"];
    assert_eq!(
        bucket["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"].as_bool(),
        Some(true)
    );
    assert_eq!(
        bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"].as_i64(),
        Some(30),
        "the raw messages are kept as long as their text"
    );
}
