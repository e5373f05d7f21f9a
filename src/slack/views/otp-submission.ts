import type { ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { VerifyOutcome } from '../../flows/rotation/rotation-service.js';
import { errorSummary } from '../../logging/error-summary.js';
import type { Logger } from '../../logging/logger.js';
import { otpFormView, otpMessageView, otpWorkingView, type OtpFormNote } from '../blocks/otp-modal.js';
import type { BotServices } from '../bot-services.js';
import { describeError } from '../error-text.js';
import { INPUT_IDS, SLASH_COMMAND } from '../ids.js';
import type { ViewHandler } from '../interaction-listeners.js';
import { code } from '../mrkdwn.js';
import { requestLog } from '../request-log.js';
import { refusalText } from '../rotation-refusals.js';
import { postResult, updateCard, updateView } from '../rotation-updates.js';
import { rotationStatusText } from '../blocks/rotation-card.js';

/**
 * **Verify** in the code modal. Slack wants the answer within 3 s, and a wrong code must be shown
 * inside the modal (`response_action: errors`), which only the ack can do. So the code is checked
 * with a budget: if CloudKnox answers in time, the ack carries the answer; if not, the modal shows
 * "checking" and is updated when the answer comes.
 */
const ACK_BUDGET_MS = 2_000;

type Ack = (response?: Record<string, unknown>) => Promise<void>;

function inputError(text: string) {
  return { response_action: 'errors', errors: { [INPUT_IDS.otp.block]: text } };
}

/** What to tell the user about a code that did not create a key, as an in-modal error. */
function codeProblem(outcome: VerifyOutcome): string | undefined {
  switch (outcome.kind) {
    case 'wrong_code':
      return `That code is not right. ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`;
    case 'bad_format':
      return 'Enter the 6-digit code from the email.';
    case 'code_expired':
      return 'That code has expired. Press Resend OTP for a new one.';
    case 'error':
      // A timeout may hide a key CloudKnox did create: say how to check rather than promise nothing changed.
      return `CloudKnox did not confirm a new key: ${describeError(outcome.error).replace(/[*`]/g, '')} Press Verify to try again; /cloudknox keys show lists any key CloudKnox created.`;
    case 'refused':
      return outcome.refusal === 'busy' ? refusalText('busy') : undefined;
    default:
      return undefined;
  }
}

/** The final word for outcomes that end the modal (refused, five wrong codes). */
function endText(outcome: VerifyOutcome): string | undefined {
  if (outcome.kind === 'too_many_codes') {
    return `:x: Five wrong codes: this request has failed and nothing was changed. Start again with ${code(`${SLASH_COMMAND} keys rotate`)}.`;
  }
  if (outcome.kind === 'refused' && outcome.refusal !== 'busy')
    return refusalText(outcome.refusal, outcome.req);
  return undefined;
}

export function otpSubmission(services: BotServices): ViewHandler {
  return async ({ ack, body, view, client, context }) => {
    const log = requestLog(context);
    const id = view.private_metadata;
    const userId = body.user.id;
    const typed = valueOf(view, INPUT_IDS.otp.block, INPUT_IDS.otp.action);
    const verifying = services.rotation.verifyCode(id, userId, typed);
    // Fix (issue 5 replica tests): when the flow itself fails (the state store unreachable), the
    // error used to escape past the ack and Slack showed its generic error after 3 s. Say what
    // happened instead ("…temporarily unavailable, so nothing was changed"), in the modal.
    verifying.catch(() => undefined);
    const failed = (err: unknown) => {
      log.warn({ event: 'code_check_failed', err: errorSummary(err) }, 'could not check the code');
      return describeError(err);
    };
    let quick: VerifyOutcome | undefined;
    try {
      quick = await Promise.race([verifying, delay(ACK_BUDGET_MS)]);
    } catch (err) {
      return (ack as Ack)(inputError(failed(err)));
    }
    if (quick) return answer(quick, ack as Ack, client, log, services, view.id, id);
    await (ack as Ack)({
      response_action: 'update',
      view: otpWorkingView(id, 'Checking the code with CloudKnox…'),
    });
    let outcome: VerifyOutcome;
    try {
      outcome = await verifying;
    } catch (err) {
      return updateView(client, log, view.id, otpMessageView(id, `:x: ${failed(err)}`));
    }
    await answer(outcome, undefined, client, log, services, view.id, id);
  };
}

/** Answers with the ack when there is one, else by updating the modal. */
async function answer(
  outcome: VerifyOutcome,
  ack: Ack | undefined,
  client: WebClient,
  log: Logger,
  services: BotServices,
  viewId: string,
  id: string,
): Promise<void> {
  log.info({ event: 'code_checked', rotationId: id, outcome: outcome.kind }, 'verification code checked');
  const problem = codeProblem(outcome);
  if (problem) {
    if (ack) await ack(inputError(problem));
    else if (outcome.req)
      await updateView(
        client,
        log,
        viewId,
        otpFormView(outcome.req, { kind: 'warning', text: problem } satisfies OtpFormNote),
      );
    if (outcome.req) await updateCard(client, log, outcome.req);
    return;
  }
  const end = endText(outcome);
  if (end) {
    const view = otpMessageView(id, end);
    if (ack) await ack({ response_action: 'update', view });
    else await updateView(client, log, viewId, view);
    if (outcome.req) await updateCard(client, log, outcome.req);
    return;
  }
  if (outcome.kind !== 'key_created') return;
  // Fix (issue 5 replica tests): start the rotation, which renews its lease, BEFORE the Slack calls
  // below. Awaiting a slow Slack first let the lease taken in verifyCode lapse while the request was
  // `rotating`, and another replica's sweeper rolled back this live rotation as "interrupted".
  const rotating = services.rotation.rotate(outcome.req, outcome.key);
  rotating.catch(() => undefined); // awaited below; no unhandled rejection while Slack answers
  const working = otpWorkingView(
    id,
    'Code accepted. New key created; checking it and switching ServiceNow to it…',
  );
  if (ack) await ack({ response_action: 'update', view: working });
  else await updateView(client, log, viewId, working);
  await updateCard(client, log, outcome.req);
  // The rotation may end in an error (the state store gone mid-way): the requester still hears.
  const final = await rotating.catch(async (err: unknown) => {
    log.error(
      { event: 'rotation_error', rotationId: id, err: errorSummary(err) },
      'rotation stopped with an error',
    );
    await updateView(
      client,
      log,
      viewId,
      otpMessageView(
        id,
        `:warning: The rotation stopped: ${describeError(err)} If the bot could not finish it, another replica settles it within a minute and posts the result in the channel.`,
      ),
    );
    return undefined;
  });
  if (!final) return;
  log.info(
    { event: 'rotation_finished', rotationId: id, state: final.state, step: final.failedStep },
    'rotation finished',
  );
  await updateView(client, log, viewId, otpMessageView(id, rotationStatusText(final)));
  await updateCard(client, log, final);
  await postResult(client, log, final);
}

function valueOf(view: ViewOutput, block: string, action: string): string {
  const v = view.state.values[block]?.[action];
  return typeof v?.value === 'string' ? v.value : '';
}

function delay(ms: number): Promise<undefined> {
  return new Promise((r) => setTimeout(() => r(undefined), ms).unref());
}
