/** Where a signed-in user lands (later: a dashboard chosen by role). */
export const HOME_PATH = '/profile';
