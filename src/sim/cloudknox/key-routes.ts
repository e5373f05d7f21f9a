import type { SimReply, SimRequest } from '../http-server.js';
import { fail, jsonObject, ok } from './replies.js';
import {
  MAX_ACTIVE_KEYS,
  MAX_OTP_ATTEMPTS,
  sameSecret,
  type CloudKnoxState,
  type OtpRequest,
} from './state.js';

/**
 * `/api/v2/integrations/servicenow/keys…`: list, email OTP, create (with OTP), revoke. They act on the
 * INTEGRATION's service account whichever account's token calls them: the bot rotates the
 * integration's key with its own, which these routes never touch (its access key is not found here).
 */

const limitReached = (): SimReply =>
  fail(
    409,
    'KEY_LIMIT_EXCEEDED',
    `A service account can have at most ${MAX_ACTIVE_KEYS} active access keys; revoke one before generating a new key`,
  );

export function listKeys(state: CloudKnoxState): SimReply {
  return ok(state.keys.map(({ secretKey: _s, ...view }) => view));
}

export function requestOtp(state: CloudKnoxState): SimReply {
  if (state.activeKeys().length >= MAX_ACTIVE_KEYS) return limitReached();
  return ok(state.challenge(state.newOtp()));
}

function findOtp(state: CloudKnoxState, id: unknown): OtpRequest | SimReply {
  const otp = typeof id === 'string' ? state.otps.get(id) : undefined;
  if (!otp) return fail(404, 'OTP_REQUEST_NOT_FOUND', 'Unknown OTP request; request a new code');
  if (otp.used) return fail(409, 'OTP_ALREADY_USED', 'This code has already been used; request a new code');
  if (otp.attempts >= MAX_OTP_ATTEMPTS) {
    return fail(429, 'OTP_ATTEMPTS_EXCEEDED', 'Too many wrong codes; request a new code', {
      attemptsLeft: 0,
    });
  }
  return otp;
}

function isReply(x: OtpRequest | SimReply): x is SimReply {
  return 'status' in x && typeof x.status === 'number';
}

export function resendOtp(state: CloudKnoxState, req: SimRequest): SimReply {
  const otp = findOtp(state, req.params.otpRequestId);
  if (isReply(otp)) return otp;
  const waitMs = otp.resendAt - state.opts.now();
  if (waitMs > 0) {
    const retryAfter = Math.ceil(waitMs / 1000);
    return fail(
      429,
      'OTP_RESEND_TOO_SOON',
      `A code was sent moments ago; you can ask for another in ${retryAfter} s`,
      { retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
  state.resendOtp(otp);
  return ok(state.challenge(otp));
}

export function createKey(state: CloudKnoxState, req: SimRequest): SimReply {
  const body = jsonObject(req);
  if (!body || typeof body.otpRequestId !== 'string' || typeof body.otp !== 'string') {
    return fail(400, 'INVALID_REQUEST', 'otpRequestId and otp are required');
  }
  const otp = findOtp(state, body.otpRequestId);
  if (isReply(otp)) return otp;
  if (otp.expiresAt <= state.opts.now())
    return fail(410, 'OTP_EXPIRED', 'The code has expired; request a new code');
  if (!sameSecret(body.otp.trim(), otp.code)) {
    otp.attempts += 1;
    const attemptsLeft = MAX_OTP_ATTEMPTS - otp.attempts;
    if (attemptsLeft <= 0) {
      return fail(429, 'OTP_ATTEMPTS_EXCEEDED', 'Too many wrong codes; request a new code', {
        attemptsLeft: 0,
      });
    }
    return fail(
      400,
      'OTP_INVALID',
      `The code is not valid; ${attemptsLeft} attempt${attemptsLeft === 1 ? '' : 's'} left`,
      {
        attemptsLeft,
      },
    );
  }
  if (state.activeKeys().length >= MAX_ACTIVE_KEYS) return limitReached();
  otp.used = true;
  const key = state.createKey();
  return ok(
    {
      serviceAccountId: state.serviceAccountId,
      accessKey: key.accessKey,
      secretKey: key.secretKey,
      createdOn: key.createdOn,
    },
    201,
  );
}

export function revokeKey(state: CloudKnoxState, req: SimRequest): SimReply {
  const key = state.findKey(req.params.accessKey ?? '');
  if (!key) return fail(404, 'KEY_NOT_FOUND', 'No such access key for this service account');
  if (key.status === 'REVOKED') return { status: 204 };
  if (state.activeKeys().length <= 1) {
    return fail(
      409,
      'LAST_ACTIVE_KEY',
      'This is the only active access key; generate a new key before revoking it',
    );
  }
  key.status = 'REVOKED';
  return { status: 204 };
}
