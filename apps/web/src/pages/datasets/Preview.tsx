import { ChatRowSchema, InstructionRowSchema, TextRowSchema } from '@potluck/protocol';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock, Empty } from '../../components/status';

/** The first rows of a version, as text (never as HTML). */
export function Preview({ datasetId, version }: { datasetId: string; version: number }) {
  const { client } = useSession();
  const preview = useAsync(() => client.datasets.preview(datasetId, version, 10), [client, datasetId, version]);
  return (
    <AsyncBlock state={preview} what="the preview">
      {(data) =>
        data.rows.length === 0 ? (
          <Empty>This version has no rows.</Empty>
        ) : (
          <ol className="preview" aria-label={`First ${data.rows.length} rows`}>
            {data.rows.map((row, index) => (
              <li key={index}>
                <Row row={row} />
              </li>
            ))}
          </ol>
        )
      }
    </AsyncBlock>
  );
}

/** One row in its form: chat turns, prompt and completion, or text; anything else as JSON. */
function Row({ row }: { row: unknown }) {
  const chat = ChatRowSchema.safeParse(row);
  if (chat.success)
    return (
      <dl className="row-chat">
        {chat.data.messages.map((message, index) => (
          <div key={index}>
            <dt>{message.role}</dt>
            <dd>{message.content}</dd>
          </div>
        ))}
      </dl>
    );
  const instruction = InstructionRowSchema.safeParse(row);
  if (instruction.success)
    return (
      <dl className="row-chat">
        <div>
          <dt>prompt</dt>
          <dd>{instruction.data.prompt}</dd>
        </div>
        <div>
          <dt>completion</dt>
          <dd>{instruction.data.completion}</dd>
        </div>
      </dl>
    );
  const text = TextRowSchema.safeParse(row);
  if (text.success) return <p className="row-text">{text.data.text}</p>;
  return <pre className="code">{JSON.stringify(row)}</pre>;
}
