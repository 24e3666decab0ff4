import type { ComponentChildren } from 'preact';

/** A failure as one line, announced to screen readers; nothing while there is none. */
export function ErrorLine({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/**
 * A scrolling table with one header row: `columns` are the headers, `actions` adds a last one
 * for buttons, named for screen readers only. The rows (with their `data-*` hooks) are the children.
 */
export function DataTable(props: {
  columns: string[];
  actions?: boolean;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={props.class}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
