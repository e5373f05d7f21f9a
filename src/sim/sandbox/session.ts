import type { World } from '../world.js';
import { simActivity } from '../http-server.js';
import type { EmulatedView, MessageEvent, SlackMessage, ViewEvent } from '../slack/index.js';
import { renderBlocks, renderMrkdwn, type NameLookup, type RenderedButton } from './render-blocks.js';

/**
 * One person at a terminal pretending to be Slack users. Knows the current user and channel, turns
 * typed lines into signed Slack requests through the emulator's driver, and prints what the current
 * user would see once everything has gone quiet. Output goes through `print`, so tests can read it.
 */
interface Pressable extends RenderedButton {
  channelId?: string;
  messageTs?: string;
  viewId?: string;
}

type Shown = { kind: 'message'; event: MessageEvent } | { kind: 'view'; event: ViewEvent };

const USER_ALIASES: Record<string, string> = {
  admin: 'ada.admin',
  approver: 'alex.approver',
  outsider: 'oscar.outsider',
};

export const SANDBOX_HELP = [
  'Type what you would type in Slack, e.g. /cloudknox servicenow test',
  'Sandbox commands:',
  '  as <user>          act as another user: admin (ada.admin), approver (alex.approver), sam.approver, outsider',
  '  in #<channel>      switch channel: #secops (bot is a member), #random (bot is not)',
  '  press <n|label>    press button [n] (or just type the number), or the newest button with that label',
  '  type @code         type the code from the newest email',
  "  type <text>        fill the open modal's input (type <block_id> <text> when it has several)",
  '  submit             submit the open modal',
  '  close              close the open modal',
  '  email              show the emails CloudKnox sent',
  '  who                show the current user and channel',
  '  .help              this text;  .quit  leave (end of input also leaves)',
  'Lines starting with # are comments.',
].join('\n');

export class SandboxSession {
  userId: string;
  channelId: string;
  private readonly queue: Shown[] = [];
  private buttons = new Map<number, Pressable>();
  private nextButton = 1;
  private emailsShown = 0;
  private readonly typed = new Map<string, string>();
  private readonly names: NameLookup;

  constructor(
    private readonly world: World,
    private readonly print: (text: string) => void,
    start: { userId: string; channelId: string },
  ) {
    this.userId = start.userId;
    this.channelId = start.channelId;
    const ws = world.slack.workspace;
    this.names = {
      user: (id) => ws.users.get(id)?.name,
      group: (id) => ws.groups.get(id)?.handle,
      channel: (id) => ws.channels.get(id)?.name,
    };
    world.slack.events.on('message', (event: MessageEvent) => this.queue.push({ kind: 'message', event }));
    world.slack.events.on('view', (event: ViewEvent) => this.queue.push({ kind: 'view', event }));
  }

  prompt(): string {
    return `${this.names.user(this.userId) ?? this.userId} in #${this.names.channel(this.channelId) ?? this.channelId}> `;
  }

  /** Handles one typed line; resolves when its effects have been printed. false = leave. */
  async handle(line: string): Promise<boolean> {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return true;
    const [head = '', ...rest] = text.split(/\s+/);
    const arg = rest.join(' ');
    try {
      switch (head.toLowerCase()) {
        case '.quit':
        case 'exit':
        case 'quit':
          return false;
        case '.help':
        case 'help':
          this.print(SANDBOX_HELP);
          return true;
        case 'who':
          this.print(`You are @${this.names.user(this.userId)} in #${this.names.channel(this.channelId)}.`);
          return true;
        case 'as':
          this.switchUser(arg);
          return true;
        case 'in':
          this.switchChannel(arg);
          return true;
        case 'press':
          await this.press(/^\d+$/.test(arg) ? Number(arg) : this.buttonByLabel(arg));
          break;
        case 'type':
          this.type(arg);
          return true;
        case 'submit':
          await this.submit();
          break;
        case 'close':
          this.closeView();
          return true;
        case 'email':
        case 'emails':
          this.showEmails(true);
          return true;
        default:
          if (/^\d+$/.test(head) && rest.length === 0) await this.press(Number(head));
          else if (head.startsWith('/')) await this.slash(head, arg);
          else this.print(`Not understood: ${text}. Type .help for what the sandbox understands.`);
      }
    } catch (err) {
      this.print(`(sandbox) ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.settle();
    this.flush();
    return true;
  }

  private switchUser(name: string): void {
    const wanted = (USER_ALIASES[name.replace(/^@/, '')] ?? name.replace(/^@/, '')).toLowerCase();
    const user = [...this.world.slack.workspace.users.values()].find(
      (u) => !u.isBot && (u.name === wanted || u.name.split('.')[0] === wanted || u.id === name),
    );
    if (!user) {
      const known = [...this.world.slack.workspace.users.values()].filter((u) => !u.isBot).map((u) => u.name);
      this.print(`No user ${name}. Known: ${known.join(', ')}`);
      return;
    }
    this.userId = user.id;
    this.print(`You are now @${user.name}.`);
  }

  private switchChannel(name: string): void {
    const ref = name.trim();
    const channel = this.world.slack.workspace.resolveChannel(
      /^[CGD][A-Z0-9]+$/.test(ref) ? ref : `#${ref.replace(/^#/, '')}`,
    );
    if (!channel) {
      this.print(`No channel ${name}. Try #secops or #random.`);
      return;
    }
    this.channelId = channel.id;
    this.print(`You are now in #${channel.name}.`);
  }

  private async slash(command: string, text: string): Promise<void> {
    // Slack itself answers for commands no installed app declares; only /cloudknox is installed here.
    if (command.toLowerCase() !== '/cloudknox') {
      this.print(
        `(Slack) ${command} is not a valid command. In this workspace only /cloudknox is installed.`,
      );
      return;
    }
    command = '/cloudknox';
    const res = await this.world.slack.driver.slashCommand({
      userId: this.userId,
      channelId: this.channelId,
      command,
      text,
    });
    if (res.timedOut) this.print(`(Slack) ${command} failed: the app did not answer within 3 s`);
    else if (res.status !== 200) this.print(`(Slack) ${command} failed: HTTP ${res.status}`);
  }

  /** The newest button on screen whose label matches (so scripts need not know numbers). */
  private buttonByLabel(label: string): number {
    const wanted = label.trim().toLowerCase();
    const found = [...this.buttons.entries()].reverse().find(([, b]) => b.label.toLowerCase() === wanted);
    if (!found) throw new Error(`There is no button "${label}" on screen.`);
    return found[0];
  }

  private async press(n: number): Promise<void> {
    const b = this.buttons.get(n);
    if (!b)
      throw new Error(
        Number.isNaN(n)
          ? 'Press takes a button number or label, e.g. press 1 or press Approve.'
          : `There is no button [${n}] on screen.`,
      );
    await this.world.slack.driver.blockAction({
      userId: this.userId,
      channelId: b.channelId,
      messageTs: b.messageTs,
      viewId: b.viewId,
      actionId: b.actionId,
      blockId: b.blockId,
      value: b.value,
    });
  }

  private openView(): EmulatedView {
    const view = this.world.slack.openView(this.userId);
    if (!view) throw new Error('No modal is open for you.');
    return view;
  }

  private inputBlocks(view: EmulatedView): string[] {
    const blocks = (view.payload.blocks as Array<{ type?: string; block_id?: string }> | undefined) ?? [];
    return blocks.filter((b) => b.type === 'input' && b.block_id).map((b) => b.block_id!);
  }

  private type(arg: string): void {
    // `type @code` types the code from the newest email, as a person reading it would.
    if (arg.trim() === '@code') {
      const code = this.world.sims.cloudknox.lastOtp();
      if (!code) throw new Error('No email with a code has arrived yet.');
      arg = code;
    }
    const view = this.openView();
    const inputs = this.inputBlocks(view);
    const [first = '', ...rest] = arg.split(' ');
    const [blockId, value] =
      inputs.includes(first) && rest.length > 0 ? [first, rest.join(' ')] : [inputs[0], arg];
    if (!blockId) throw new Error('The open modal has no input.');
    this.typed.set(`${view.id}:${blockId}`, value);
    this.print(`(typed into ${blockId})`);
  }

  private async submit(): Promise<void> {
    const view = this.openView();
    const values: Record<string, string> = {};
    for (const blockId of this.inputBlocks(view)) {
      const v = this.typed.get(`${view.id}:${blockId}`);
      if (v !== undefined) values[blockId] = v;
    }
    const res = await this.world.slack.driver.viewSubmission({
      userId: this.userId,
      viewId: view.id,
      values,
    });
    if (res.timedOut) this.print('(Slack) We had some trouble connecting. Try again?');
  }

  private closeView(): void {
    const view = this.openView();
    this.world.slack.state.views.close(view);
    this.print('(modal closed)');
  }

  /** Waits until no simulator has a request in flight and nothing happened for a moment. */
  private async settle(quietMs = 300, maxMs = 30_000): Promise<void> {
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    while (Date.now() - started < maxMs) {
      if (simActivity.inFlight === 0 && Date.now() - simActivity.lastActivityAt >= quietMs) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Prints what the current user can see of everything that happened since the last flush. */
  flush(): void {
    const events = this.queue.splice(0);
    const latest = new Map<string, Shown>();
    // A message posted and then updated in one step is shown once, in its final state.
    for (const e of events)
      latest.set(
        e.kind === 'message'
          ? `m:${e.event.message.channel}:${e.event.message.ts}`
          : `v:${e.event.view.id}:${e.event.kind}`,
        e,
      );
    for (const e of latest.values()) {
      if (e.kind === 'message') this.showMessage(e.event);
      else this.showView(e.event);
    }
    this.showEmails(false);
  }

  private showMessage(event: MessageEvent): void {
    const m: SlackMessage = event.message;
    if (m.ephemeralTo && m.ephemeralTo !== this.userId) return;
    if (event.kind === 'deleted') {
      this.print(`(a message in #${this.names.channel(m.channel)} was deleted)`);
      return;
    }
    const author = m.fromBot ? 'CloudKnox (app)' : m.user ? `@${this.names.user(m.user)}` : 'Slackbot';
    const where = `#${this.names.channel(m.channel) ?? m.channel}`;
    const flags = [
      m.ephemeralTo ? 'only visible to you' : '',
      event.kind === 'updated' ? 'edited' : '',
    ].filter(Boolean);
    const rendered = renderBlocks(m.blocks, m.text, this.names, this.nextButton);
    this.remember(rendered.buttons, { channelId: m.channel, messageTs: m.ts });
    this.print(
      [
        '',
        `┌ ${author} in ${where}${flags.length ? ` (${flags.join(', ')})` : ''}`,
        ...rendered.lines.map((l) => `│ ${l}`),
        '└',
      ].join('\n'),
    );
  }

  private showView(event: ViewEvent): void {
    const v = event.view;
    if (v.userId !== this.userId) return;
    if (event.kind === 'closed') {
      this.print('(modal closed)');
      return;
    }
    const p = v.payload as { title?: { text?: string }; submit?: { text?: string }; blocks?: unknown[] };
    const rendered = renderBlocks(p.blocks, undefined, this.names, this.nextButton);
    this.remember(rendered.buttons, { viewId: v.id });
    const errors = Object.entries(v.errors ?? {}).map(
      ([block, msg]) => `│ ⚠ ${block}: ${renderMrkdwn(msg, this.names)}`,
    );
    const footer = p.submit?.text ? [`│ (type <text>, then submit → ${p.submit.text})`] : [];
    this.print(
      [
        '',
        `╔ Modal: ${p.title?.text ?? ''}`,
        ...rendered.lines.map((l) => `│ ${l}`),
        ...errors,
        ...(v.uiError ? [`│ ⚠ ${v.uiError}`] : []),
        ...footer,
        '╚',
      ].join('\n'),
    );
  }

  private remember(buttons: RenderedButton[], where: Omit<Pressable, keyof RenderedButton>): void {
    for (const b of buttons) this.buttons.set(this.nextButton++, { ...b, ...where });
  }

  private showEmails(all: boolean): void {
    const outbox = this.world.sims.cloudknox.outbox;
    const from = all ? 0 : this.emailsShown;
    if (all && outbox.length === 0) this.print('(no emails yet)');
    for (const mail of outbox.slice(from)) {
      this.print(
        ['', `📧 Email to ${mail.to}: ${mail.subject}`, ...mail.text.split('\n').map((l) => `   ${l}`)].join(
          '\n',
        ),
      );
    }
    this.emailsShown = outbox.length;
  }
}
