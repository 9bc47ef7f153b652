// Generated from responsys-events.lql by `npm run generate-default-mapping`; do not edit by hand.
// The .lql file is the source of truth; default-mapping.test.ts checks that this copy matches it.
export const RESPONSYS_EVENTS_LQL = `-- The default mapping of the responsys_events stream: every row of the field table of the Lytics
-- Responsys integration ("Import Activity Data"), field names exactly as published.
-- Events are rows of Responsys Connect files with lower-cased column names plus \`event\` (the feed:
-- SENT, OPEN, CLICK, BOUNCE, COMPLAINT, OPT_IN, OPT_OUT, SMS_SENT, SMS_DELIVERED, SMS_FAILED,
-- SMS_OPT_IN, SMS_OPT_OUT), \`channel\` (email, sms, mms, push, webpush) and \`_ts\` (event time).
-- The published table gives no conditions; each counter and first/last date counts its own feed.
-- Two rows are generalised on purpose: set("email") and map("email", epochms()) become
-- set(channel) and map(channel, epochms()), so SMS activity is recorded under "sms".
-- This file is the source of truth; src/responsys-events-lql.ts holds the same text for runtimes
-- without a file system (npm run generate-default-mapping rewrites it; a test checks they match).
SELECT
  -- Identities
  email(email) AS email SHORTDESC "Email Address",
  riid AS rs_user_id SHORTDESC "Responsys Id",
  mobile_number AS phone SHORTDESC "Phone Number",

  -- Campaign and address
  campaign_id AS rs_campaign_id SHORTDESC "Responsys Campaign ID",
  emaildomain(email) AS email_domain SHORTDESC "Email Domain",

  -- Email: SENT
  count(event) AS email_sent_ct SHORTDESC "Email Sent" IF eq(event, "SENT"),
  min(epochms()) AS email_first_sent_ts SHORTDESC "First Email Sent" IF eq(event, "SENT"),
  max(epochms()) AS email_last_sent_ts SHORTDESC "Last Email Sent" IF eq(event, "SENT"),

  -- Email: OPEN
  count(event) AS email_open_ct SHORTDESC "Email Opened" IF eq(event, "OPEN"),
  min(epochms()) AS email_first_open_ts SHORTDESC "First Email Opened" IF eq(event, "OPEN"),
  max(epochms()) AS email_last_open_ts SHORTDESC "Email Last open" IF eq(event, "OPEN"),

  -- Email: CLICK
  count(event) AS email_click_ct SHORTDESC "Email Clicked" IF eq(event, "CLICK"),
  min(epochms()) AS email_first_click_ts SHORTDESC "Email First click" IF eq(event, "CLICK"),
  max(epochms()) AS email_last_click_ts SHORTDESC "Email Last click" IF eq(event, "CLICK"),

  -- Email: BOUNCE
  count(event) AS email_bounce_ct SHORTDESC "Email Bounced" IF eq(event, "BOUNCE"),
  min(epochms()) AS email_first_bounce_ts SHORTDESC "First Email Bounced" IF eq(event, "BOUNCE"),
  max(epochms()) AS email_last_bounce_ts SHORTDESC "Last Email Bounced" IF eq(event, "BOUNCE"),

  -- Email: COMPLAINT
  count(event) AS email_complaint_ct SHORTDESC "Email Complaint" IF eq(event, "COMPLAINT"),
  min(epochms()) AS email_first_complaint_ts SHORTDESC "First Email Complaint" IF eq(event, "COMPLAINT"),
  max(epochms()) AS email_last_complaint_ts SHORTDESC "Last Email Complaint" IF eq(event, "COMPLAINT"),

  -- Email: OPT_IN
  count(event) AS email_opt_in_ct SHORTDESC "Email Opted-In" IF eq(event, "OPT_IN"),
  min(epochms()) AS email_first_opt_in_ts SHORTDESC "First Email Opted-In" IF eq(event, "OPT_IN"),
  max(epochms()) AS email_last_opt_in_ts SHORTDESC "Last Email Opted-In" IF eq(event, "OPT_IN"),

  -- Email: OPT_OUT
  count(event) AS email_opt_out_ct SHORTDESC "Email Opted-Out" IF eq(event, "OPT_OUT"),
  min(epochms()) AS email_first_opt_out_ts SHORTDESC "First Email Opted-Out" IF eq(event, "OPT_OUT"),
  max(epochms()) AS email_last_opt_out_ts SHORTDESC "Last Email Opted-Out" IF eq(event, "OPT_OUT"),

  -- SMS (open = delivered, bounce = failed): SMS_SENT
  count(event) AS sms_sent_ct SHORTDESC "SMS Sent" IF eq(event, "SMS_SENT"),
  min(epochms()) AS sms_first_sent_ts SHORTDESC "First SMS Sent" IF eq(event, "SMS_SENT"),
  max(epochms()) AS sms_last_sent_ts SHORTDESC "Last SMS Sent" IF eq(event, "SMS_SENT"),

  -- SMS (open = delivered, bounce = failed): SMS_DELIVERED
  count(event) AS sms_open_ct SHORTDESC "SMS Delivered" IF eq(event, "SMS_DELIVERED"),
  min(epochms()) AS sms_first_open_ts SHORTDESC "First SMS Delivered" IF eq(event, "SMS_DELIVERED"),
  max(epochms()) AS sms_last_open_ts SHORTDESC "Last SMS Delivered" IF eq(event, "SMS_DELIVERED"),

  -- SMS (open = delivered, bounce = failed): SMS_FAILED
  count(event) AS sms_bounce_ct SHORTDESC "SMS Failed" IF eq(event, "SMS_FAILED"),
  min(epochms()) AS sms_first_bounce_ts SHORTDESC "First SMS Failed" IF eq(event, "SMS_FAILED"),
  max(epochms()) AS sms_last_bounce_ts SHORTDESC "Last SMS Failed" IF eq(event, "SMS_FAILED"),

  -- SMS (open = delivered, bounce = failed): SMS_OPT_IN
  count(event) AS sms_opt_in_ct SHORTDESC "SMS Opted-In" IF eq(event, "SMS_OPT_IN"),
  min(epochms()) AS sms_first_opt_in_ts SHORTDESC "First SMS Opted-In" IF eq(event, "SMS_OPT_IN"),
  max(epochms()) AS sms_last_opt_in_ts SHORTDESC "Last SMS Opted-In" IF eq(event, "SMS_OPT_IN"),

  -- SMS (open = delivered, bounce = failed): SMS_OPT_OUT
  count(event) AS sms_opt_out_ct SHORTDESC "SMS Opted-Out" IF eq(event, "SMS_OPT_OUT"),
  min(epochms()) AS sms_first_opt_out_ts SHORTDESC "First SMS Opted-Out" IF eq(event, "SMS_OPT_OUT"),
  max(epochms()) AS sms_last_opt_out_ts SHORTDESC "Last SMS Opted-Out" IF eq(event, "SMS_OPT_OUT"),

  -- Activity across channels
  max(epochms()) AS last_active_ts SHORTDESC "Last Active",
  map(channel, epochms()) AS last_channel_activities SHORTDESC "Last Activity By Channel",
  set(channel) AS channels SHORTDESC "All Channels Used",

  -- Lists, offers, segments
  set(list_id) AS rs_list_id SHORTDESC "Responsys List ID",
  set(offer_category) AS rs_categories SHORTDESC "Responsys Offer Categories",
  set(offer_name) AS rs_offers SHORTDESC "Responsys Offer Names",
  set(offer_url) AS email_urls SHORTDESC "Email Urls",
  set(segment_info) AS rs_segments SHORTDESC "Responsys Segments",

  -- Behaviour
  valuect(hash(urlmain(offer_url))) AS hashedurls SHORTDESC "Hashed Urls Visited",
  valuect(hourofday()) AS hourly SHORTDESC "Events By Hour",
  valuect(hourofweek()) AS hour_of_week SHORTDESC "Hour of Week Events",
  valuect(monthofyear()) AS month_of_year SHORTDESC "Month of Year Events"
FROM responsys_events
INTO user BY rs_user_id OR email
ALIAS responsys_events
`;
