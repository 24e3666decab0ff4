import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';

describe('renderTable', () => {
  it('aligns columns under capitalised headers and leaves no trailing spaces', () => {
    const text = renderTable(
      ['name', 'connected'],
      [
        ['web-1', 'yes'],
        ['mail-server-2', null],
      ],
    );
    expect(text).toBe('NAME            CONNECTED\nweb-1           yes\nmail-server-2\n');
    expect(text.split('\n')[0]).toBe('NAME            CONNECTED');
  });
});
