/**
 * Block Kit limits as Slack enforces them, with Slack's wording: messages are
 * `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`. chat.* methods answer
 * `invalid_blocks` with these in `errors`; views.* answer `invalid_arguments` with them, prefixed
 * `[ERROR] `, in `response_metadata.messages`.
 *
 * Limits: 50 blocks in a message, 100 in a modal; section text 3000, section fields 10 × 2000;
 * header 150; block_id and action_id 255; button text 75 and value 2000; context 10 elements;
 * actions 25 elements; input label 2000; modal title/submit/close 24; private_metadata 3000;
 * callback_id 255.
 */

const KNOWN_BLOCKS = new Set([
  'section',
  'divider',
  'header',
  'context',
  'actions',
  'input',
  'image',
  'rich_text',
  'markdown',
  'video',
  'file',
  'call',
]);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly errors: string[] = [];

  add(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }

  maxLen(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max)
      this.add(`must be less than ${max + 1} characters`, pointer);
  }

  textObject(value: unknown, max: number, pointer: string, plainOnly = false): void {
    if (!isObj(value)) {
      this.add('must provide an object', pointer);
      return;
    }
    const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
      this.add(`must be one of ${allowed.join(', ')}`, `${pointer}/type`);
    }
    if (typeof value.text !== 'string' || value.text.length === 0) {
      this.add('must be more than 0 characters', `${pointer}/text`);
    } else this.maxLen(value.text, max, `${pointer}/text`);
  }

  element(el: unknown, pointer: string): void {
    if (!isObj(el)) {
      this.add('must provide an object', pointer);
      return;
    }
    this.maxLen(el.action_id, 255, `${pointer}/action_id`);
    if (el.type === 'button') {
      this.textObject(el.text, 75, `${pointer}/text`, true);
      this.maxLen(el.value, 2000, `${pointer}/value`);
      this.maxLen(el.url, 3000, `${pointer}/url`);
    }
  }

  block(block: unknown, pointer: string): void {
    if (!isObj(block) || typeof block.type !== 'string' || !KNOWN_BLOCKS.has(block.type)) {
      this.add('failed to match all allowed schemas', pointer);
      return;
    }
    this.maxLen(block.block_id, 255, `${pointer}/block_id`);
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) {
          this.add('must provide either text or fields', pointer);
        }
        if (block.text !== undefined) this.textObject(block.text, 3000, `${pointer}/text`);
        if (block.fields !== undefined) {
          const fields = Array.isArray(block.fields) ? block.fields : [];
          if (fields.length > 10) this.add('no more than 10 items allowed', `${pointer}/fields`);
          fields.forEach((f, i) => this.textObject(f, 2000, `${pointer}/fields/${i}`));
        }
        if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`);
        break;
      }
      case 'header':
        this.textObject(block.text, 150, `${pointer}/text`, true);
        break;
      case 'context': {
        const els = Array.isArray(block.elements) ? block.elements : [];
        if (els.length === 0) this.add('must provide at least 1 item', `${pointer}/elements`);
        if (els.length > 10) this.add('no more than 10 items allowed', `${pointer}/elements`);
        break;
      }
      case 'actions': {
        const els = Array.isArray(block.elements) ? block.elements : [];
        if (els.length === 0) this.add('must provide at least 1 item', `${pointer}/elements`);
        if (els.length > 25) this.add('no more than 25 items allowed', `${pointer}/elements`);
        els.forEach((e, i) => this.element(e, `${pointer}/elements/${i}`));
        break;
      }
      case 'input':
        this.textObject(block.label, 2000, `${pointer}/label`, true);
        if (!isObj(block.element)) this.add('must provide an object', `${pointer}/element`);
        else this.element(block.element, `${pointer}/element`);
        break;
      default:
        break;
    }
  }

  blocks(blocks: unknown, max: number, pointer: string): void {
    if (!Array.isArray(blocks)) {
      this.add('must provide an array', pointer);
      return;
    }
    if (blocks.length > max) this.add(`no more than ${max} items allowed`, pointer);
    const seen = new Set<string>();
    blocks.forEach((b, i) => {
      this.block(b, `${pointer}/${i}`);
      const id = isObj(b) ? b.block_id : undefined;
      if (typeof id === 'string') {
        if (seen.has(id)) this.add(`duplicate block_id: ${id}`, `${pointer}/${i}/block_id`);
        seen.add(id);
      }
    });
  }
}

export const MESSAGE_MAX_BLOCKS = 50;
export const VIEW_MAX_BLOCKS = 100;
export const VIEW_TITLE_MAX = 24;
export const PRIVATE_METADATA_MAX = 3000;
export const SECTION_TEXT_MAX = 3000;

/** Errors (Slack's wording) for a message's `blocks`; empty when valid. */
export function checkMessageBlocks(blocks: unknown): string[] {
  const c = new Checker();
  c.blocks(blocks, MESSAGE_MAX_BLOCKS, '/blocks');
  return c.errors;
}

/** Errors (Slack's wording) for a view payload as given to views.open / update / push. */
export function checkView(view: unknown): string[] {
  const c = new Checker();
  if (!isObj(view)) {
    c.add('must provide an object', '/view');
    return c.errors;
  }
  if (view.type !== 'modal' && view.type !== 'home') c.add('must be one of modal, home', '/view/type');
  if (view.type === 'modal') {
    c.textObject(view.title, VIEW_TITLE_MAX, '/view/title', true);
    if (view.submit !== undefined) c.textObject(view.submit, 24, '/view/submit', true);
    if (view.close !== undefined) c.textObject(view.close, 24, '/view/close', true);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined)
      c.add('must provide submit property when using input blocks', '/view');
  }
  c.maxLen(view.private_metadata, PRIVATE_METADATA_MAX, '/view/private_metadata');
  c.maxLen(view.callback_id, 255, '/view/callback_id');
  c.maxLen(view.external_id, 255, '/view/external_id');
  c.blocks(view.blocks, VIEW_MAX_BLOCKS, '/view/blocks');
  return c.errors;
}
