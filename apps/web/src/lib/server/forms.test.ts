import { TemplateBody } from '@netauto/schema';
import { describe, expect, it } from 'vitest';
import { stringField, textField } from './forms';

describe('form fields', () => {
  it("reads a textarea's CR LF line breaks (as browsers send them) as LF", () => {
    const form = new FormData();
    form.set('body', 'conf t\r\n interface Gi0/1\r\n shutdown\r\nend\r\n');
    expect(stringField(form, 'body')).toBe('conf t\n interface Gi0/1\n shutdown\nend\n');
    expect(textField(form, 'body')).toBe('conf t\n interface Gi0/1\n shutdown\nend');
    // What the API takes: a carriage return in a body is refused.
    expect(TemplateBody.safeParse(stringField(form, 'body')).success).toBe(true);
    expect(TemplateBody.safeParse(form.get('body')).success).toBe(false);
  });
});
