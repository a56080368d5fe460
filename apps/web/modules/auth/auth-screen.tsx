import type { JSX, ReactNode, Ref } from 'react';
import { Brand } from '@/modules/shell/brand';
import styles from './login.module.css';

export interface AuthScreenProps {
  title: string;
  /** Under the title: what the page is for. */
  subtitle: ReactNode;
  /** Set by the server when it could not ask the API about the session (e.g. the API is down). */
  notice?: string;
  /** For pages that move the focus to their title, e.g. after a change of step. */
  titleRef?: Ref<HTMLHeadingElement>;
  /** Under a rule at the bottom, e.g. "Already have an account? Sign in instead". */
  footer?: ReactNode;
  children: ReactNode;
}

/** A card in the middle of the page, for the pages outside the console: sign-in, sign-up, emailed links. */
export function AuthScreen({ title, subtitle, notice, titleRef, footer, children }: AuthScreenProps): JSX.Element {
  return (
    <main className={styles.screen}>
      <div className={styles.card}>
        <Brand variant="card" className={styles.brand} />
        <h1 ref={titleRef} className={styles.title} tabIndex={titleRef === undefined ? undefined : -1}>
          {title}
        </h1>
        <p className={styles.subtitle}>{subtitle}</p>

        {notice !== undefined && (
          <p className={styles.notice} role="status">
            {notice}
          </p>
        )}

        {children}

        {footer !== undefined && <p className={styles.switch}>{footer}</p>}
      </div>
    </main>
  );
}
