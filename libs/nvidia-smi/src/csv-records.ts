/**
 * Splits CSV text into records of fields (untrimmed: the value readers trim, and most of
 * the hundreds of columns a full query prints are never read). nvidia-smi separates fields with
 * `, ` and never quotes, but saved outputs pass through other tools, so quoted
 * fields (with `""` escapes, commas and line breaks inside) are read too.
 * Accepts `\n`, `\r\n` and `\r` line endings and a leading byte-order mark; blank
 * lines are dropped. Linear in the input, never throws.
 */
export function splitCsvRecords(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return text.includes('"') ? scanQuoted(text) : splitPlain(text);
}

/** What nvidia-smi prints: no quotes, so records are lines and fields are split at commas. */
function splitPlain(text: string): string[][] {
  const records: string[][] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    records.push(line.split(','));
  }
  return records;
}

/** A character scanner for text with quoted fields (unquoted fields come out trimmed). */
function scanQuoted(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;

  const endField = (): void => {
    record.push(quoted ? field : field.trim());
    field = '';
    quoted = false;
  };
  const endRecord = (): void => {
    endField();
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else inQuotes = false;
      continue;
    }
    if (ch === '"' && field.trim() === '' && !quoted) {
      field = '';
      quoted = true;
      inQuotes = true;
    } else if (ch === ',') endField();
    else if (ch === '\n') endRecord();
    else if (ch === '\r') {
      if (text[i + 1] === '\n') i++;
      endRecord();
    } else if (!(quoted && (ch === ' ' || ch === '\t'))) field += ch;
  }
  if (field !== '' || quoted || record.length > 0) endRecord();
  return records;
}
