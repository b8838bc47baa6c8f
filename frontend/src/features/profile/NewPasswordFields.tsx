import type { FormErrors } from '../../api/problem';
import { TextField } from '../../components/TextField';

export const PASSWORD_HINT =
  'At least 12 characters. A few unrelated words make a strong password that is easy to remember; no symbols or digits are needed.';

interface NewPasswordFieldsProps {
  password: string;
  onPassword(value: string): void;
  repeat: string;
  onRepeat(value: string): void;
  errors: FormErrors;
}

/** The new password and its repetition, as the change and reset forms both ask for them. */
export function NewPasswordFields({ password, onPassword, repeat, onRepeat, errors }: NewPasswordFieldsProps) {
  return (
    <>
      <TextField
        label="New password"
        type="password"
        name="new_password"
        autoComplete="new-password"
        required
        minLength={12}
        value={password}
        onChange={(event) => onPassword(event.target.value)}
        error={errors.fieldErrors.new_password}
        hint={PASSWORD_HINT}
      />
      <TextField
        label="New password again"
        type="password"
        name="repeat"
        autoComplete="new-password"
        required
        value={repeat}
        onChange={(event) => onRepeat(event.target.value)}
        error={errors.fieldErrors.repeat}
      />
    </>
  );
}
