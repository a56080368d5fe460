import type { JSX } from 'react';
import styles from './brand.module.css';

export interface BrandProps {
  /** `topbar`: small and white, on the console's top bar; `card`: larger, in body text colour. */
  variant: 'topbar' | 'card';
  /** For the caller's layout, e.g. spacing below it. */
  className?: string;
}

/** Logo and product name. */
export function Brand({ variant, className }: BrandProps): JSX.Element {
  return (
    <div className={[styles.brand, styles[variant], className].filter(Boolean).join(' ')}>
      <span className={styles.logo} aria-hidden="true" />
      Bathyscope
    </div>
  );
}
