import type { SubmitFunction } from '@sveltejs/kit';

/**
 * For forms with secrets (passwords, keys): after a successful submit the fields are
 * emptied, so that nothing typed stays on the page.
 */
export const clearOnSuccess: SubmitFunction = ({ formElement }) => {
  return async ({ result, update }) => {
    if (result.type === 'redirect' || result.type === 'success') formElement.reset();
    await update();
  };
};
