import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { resetSessionForTests } from '../api/client';

afterEach(() => {
  cleanup();
  resetSessionForTests();
});
