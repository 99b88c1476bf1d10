#!/usr/bin/env node
// Drives a Stripe API endpoint (Tollgate's local Stripe stand-in) with stripe-node, Stripe's official
// Node library, through the calls Tollgate's payment worker makes with stripe-java: PaymentIntents
// created under an idempotency key on a connected account, retrieved, confirmed with a test card,
// captured (manual capture), canceled, and a declined card. Also signs an event the way Stripe signs
// webhooks (stripe-node's generateTestHeaderString) for the caller to verify on its side.
//
//   node stripe-api.mjs <api-base> <api-key> <stripe-account> <webhook-secret>
//       <api-base> is http://host:port; <stripe-account> is acct_...; <webhook-secret> is whsec_...
//
// Prints one JSON object: what each step returned (errors as {type, status, code, ...}), and
// signed_event {payload, header}. Exit status: 0 ran every step (steps may have failed: the output
// says how), 1 could not run, 2 usage.
import Stripe from 'stripe';

function usage(message) {
  process.stderr.write(`${message}\nusage: node stripe-api.mjs <api-base> <api-key> <stripe-account> <webhook-secret>\n`);
  process.exit(2);
}

const [apiBase, apiKey, stripeAccount, webhookSecret] = process.argv.slice(2);
if (!webhookSecret) usage('missing arguments');
const base = new URL(apiBase);
if (base.protocol !== 'http:' && base.protocol !== 'https:') usage(`not an http(s) URL: ${apiBase}`);

const stripe = new Stripe(apiKey, {
  host: base.hostname,
  port: Number(base.port || (base.protocol === 'http:' ? 80 : 443)),
  protocol: base.protocol.slice(0, -1),
  // one request per call, as Tollgate's own client does: retries would hide what the server answered
  maxNetworkRetries: 0,
  timeout: 10_000,
  telemetry: false,
});

function intent(pi) {
  return {
    id: pi.id,
    object: pi.object,
    status: pi.status,
    amount: pi.amount,
    amount_capturable: pi.amount_capturable,
    amount_received: pi.amount_received,
    currency: pi.currency,
    capture_method: pi.capture_method,
    cancellation_reason: pi.cancellation_reason ?? null,
    client_secret_prefix: pi.client_secret ? pi.client_secret.split('_secret_')[0] : null,
    metadata: pi.metadata,
    request_id: pi.lastResponse?.requestId ?? null,
    idempotent_replayed: pi.lastResponse?.headers?.['idempotent-replayed'] ?? null,
  };
}

function failure(e) {
  if (!(e instanceof Stripe.errors.StripeError)) throw e;
  return {
    error: {
      type: e.type,
      raw_type: e.rawType ?? null,
      status: e.statusCode ?? null,
      code: e.code ?? null,
      decline_code: e.decline_code ?? null,
      message: e.message,
      payment_intent_status: e.payment_intent?.status ?? null,
    },
  };
}

async function step(call) {
  try {
    return intent(await call());
  } catch (e) {
    return failure(e);
  }
}

async function main() {
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const onAccount = (idempotencyKey) => ({ stripeAccount, ...(idempotencyKey ? { idempotencyKey } : {}) });
  const params = {
    amount: 2800,
    currency: 'gbp',
    capture_method: 'manual',
    automatic_payment_methods: { enabled: true },
    payment_method_options: { card: { request_three_d_secure: 'any' } },
    metadata: { session_id: `cs_node_${run}`, agency_id: 'agency_node', merchant_id: 'merchant_node' },
  };
  const key = `tollgate_node_${run}_pi`;
  const out = {};

  out.created = await step(() => stripe.paymentIntents.create(params, onAccount(key)));
  out.replayed = await step(() => stripe.paymentIntents.create(params, onAccount(key)));
  out.other_params_same_key = await step(() => stripe.paymentIntents.create({ ...params, amount: 2900 }, onAccount(key)));
  const id = out.created.id;
  out.retrieved = await step(() => stripe.paymentIntents.retrieve(id, {}, onAccount()));
  out.retrieved_without_account = await step(() => stripe.paymentIntents.retrieve(id));
  out.confirmed = await step(() => stripe.paymentIntents.confirm(id, { payment_method: 'pm_card_visa' }, onAccount(`${key}_confirm`)));
  out.captured = await step(() => stripe.paymentIntents.capture(id, {}, onAccount(`${key}_capture`)));

  const toCancel = await step(() => stripe.paymentIntents.create(params, onAccount(`${key}_2`)));
  out.canceled = await step(() => stripe.paymentIntents.cancel(toCancel.id, { cancellation_reason: 'abandoned' }, onAccount(`${key}_2_cancel`)));

  const toDecline = await step(() => stripe.paymentIntents.create(params, onAccount(`${key}_3`)));
  out.declined = await step(() => stripe.paymentIntents.confirm(toDecline.id, { payment_method: 'pm_card_chargeDeclined' }, onAccount(`${key}_3_confirm`)));

  // an event as Stripe would send it for the captured intent, signed as Stripe signs webhooks
  const captured = await stripe.paymentIntents.retrieve(id, {}, onAccount());
  const payload = JSON.stringify({
    id: `evt_node_${run}`,
    object: 'event',
    account: stripeAccount,
    api_version: stripe.getApiField('version'),
    created: Math.floor(Date.now() / 1000),
    data: { object: captured },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
  }, (name, value) => (name === 'lastResponse' ? undefined : value));
  out.signed_event = { payload, header: stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }) };
  out.api_version = stripe.getApiField('version');
  out.library = `stripe-node ${Stripe.PACKAGE_VERSION}`;

  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`stripe-api: ${e.stack ?? e}\n`);
  process.exit(1);
});
