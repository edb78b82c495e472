/**
 * Finds where a JSON text stops being valid, for error messages: V8's JSON.parse errors do not always carry
 * a position. Runs only after JSON.parse has failed, so it favours being short over being fast.
 * Returns a UTF-16 index into `text`.
 */
export function jsonErrorOffset(text: string): number {
  const scanner = new JsonScanner(text);
  try {
    scanner.value();
    scanner.space();
    return Math.min(scanner.at, text.length);
  } catch (err) {
    if (err instanceof InvalidAt) return err.at;
    throw err;
  }
}

class InvalidAt {
  constructor(readonly at: number) {}
}

class JsonScanner {
  at = 0;

  constructor(private readonly text: string) {}

  private fail(at = this.at): never {
    throw new InvalidAt(at);
  }

  space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at])) this.at++;
  }

  value(): void {
    this.space();
    const ch = this.text[this.at];
    if (ch === '{') this.object();
    else if (ch === '[') this.array();
    else if (ch === '"') this.string();
    else if (ch === 't') this.literal('true');
    else if (ch === 'f') this.literal('false');
    else if (ch === 'n') this.literal('null');
    else if (ch === '-' || (ch >= '0' && ch <= '9')) this.number();
    else this.fail();
  }

  private object(): void {
    this.at++;
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail();
      this.string();
      this.space();
      if (this.text[this.at] !== ':') this.fail();
      this.at++;
      this.value();
      this.space();
      const next = this.text[this.at++];
      if (next === '}') return;
      if (next !== ',') this.fail(this.at - 1);
    }
  }

  private array(): void {
    this.at++;
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.value();
      this.space();
      const next = this.text[this.at++];
      if (next === ']') return;
      if (next !== ',') this.fail(this.at - 1);
    }
  }

  private string(): void {
    this.at++; // the opening quote
    while (this.at < this.text.length) {
      const ch = this.text[this.at];
      if (ch === '"') {
        this.at++;
        return;
      }
      if (ch < ' ') this.fail();
      if (ch !== '\\') {
        this.at++;
        continue;
      }
      const escaped = this.text[this.at + 1];
      if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) this.at += 6;
      else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) this.at += 2;
      else this.fail(this.at + 1);
    }
    this.fail();
  }

  private number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at, this.at + 400));
    if (!m) this.fail();
    this.at += m[0].length;
  }

  private literal(word: string): void {
    for (const ch of word) {
      if (this.text[this.at] !== ch) this.fail();
      this.at++;
    }
  }
}
